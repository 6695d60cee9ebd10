import Foundation

/// The body of `POST /v1/videos/generations`: every field the API documents, each
/// already checked (see ``GenerationRequestInput``).
public struct GenerationRequest: Sendable, Equatable {
    public static let defaultModel = "seedance-1.5-pro"
    public static let defaultDuration = 5

    public var model: String
    public var prompt: String
    /// 0 images: text to video; 1: image to video; 2: first and last frame.
    public var imageURLs: [String]
    /// Seconds, 4 to 12.
    public var duration: Int
    public var quality: VideoQuality
    public var aspectRatio: AspectRatio
    public var generateAudio: Bool
    /// Ours: `<public_url>/callbacks/<token>`, checked by the URL policy.
    public var callbackURL: String

    public init(model: String = GenerationRequest.defaultModel, prompt: String, imageURLs: [String] = [],
                duration: Int = GenerationRequest.defaultDuration, quality: VideoQuality = .default,
                aspectRatio: AspectRatio = .default, generateAudio: Bool = true, callbackURL: String) {
        self.model = model
        self.prompt = prompt
        self.imageURLs = imageURLs
        self.duration = duration
        self.quality = quality
        self.aspectRatio = aspectRatio
        self.generateAudio = generateAudio
        self.callbackURL = callbackURL
    }

    /// The JSON sent, every field spelled out (the defaults too), so the ledger's copy
    /// says exactly what was asked. Keys sorted, so the same request is the same bytes.
    public func jsonBody() -> [UInt8] {
        Array(Self.encode(self, callbackURL: callbackURL).utf8)
    }

    /// The JSON as the ledger keeps it: the callback URL's token replaced by `<token>`,
    /// since `show --json` prints the request.
    public func jsonForLedger(token: String) -> String {
        Self.encode(self, callbackURL: token.isEmpty ? callbackURL
                    : callbackURL.replacingOccurrences(of: token, with: "<token>"))
    }

    private struct Body: Encodable {
        var model: String
        var prompt: String
        var image_urls: [String]?
        var duration: Int
        var quality: String
        var aspect_ratio: String
        var generate_audio: Bool
        var callback_url: String
    }

    private static func encode(_ request: GenerationRequest, callbackURL: String) -> String {
        let body = Body(model: request.model, prompt: request.prompt,
                        image_urls: request.imageURLs.isEmpty ? nil : request.imageURLs,
                        duration: request.duration, quality: request.quality.rawValue,
                        aspect_ratio: request.aspectRatio.rawValue, generate_audio: request.generateAudio,
                        callback_url: callbackURL)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings, integers and booleans always encode.
        let data = (try? encoder.encode(body)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
