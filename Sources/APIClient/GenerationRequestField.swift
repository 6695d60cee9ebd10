/// A field of the create request, with the `submit` flag that sets it: a problem names
/// the flag the operator typed, not the JSON key they never saw.
public enum GenerationRequestField: String, Sendable, CaseIterable {
    case prompt
    case image
    case duration
    case quality
    case aspectRatio
    case audio
    case model
    case callbackURL

    /// The `videohookd submit` flag, or the setting for the callback URL.
    public var flag: String {
        switch self {
        case .prompt: "--prompt"
        case .image: "--image"
        case .duration: "--duration"
        case .quality: "--quality"
        case .aspectRatio: "--aspect-ratio"
        case .audio: "--no-audio"
        case .model: "--model"
        case .callbackURL: "public_url"
        }
    }

    /// The JSON key the API knows it by, as its errors name it in `param`.
    public var apiName: String {
        switch self {
        case .prompt: "prompt"
        case .image: "image_urls"
        case .duration: "duration"
        case .quality: "quality"
        case .aspectRatio: "aspect_ratio"
        case .audio: "generate_audio"
        case .model: "model"
        case .callbackURL: "callback_url"
        }
    }

    /// The field an API error's `param` names, if any.
    public init?(apiName: String) {
        guard let field = Self.allCases.first(where: { $0.apiName == apiName }) else { return nil }
        self = field
    }
}
