/// What `videohookd submit` was given, before any of it is trusted: ``validated(callbackURL:)``
/// checks every field against the API's documented limits, so a request the API would
/// refuse is refused here, before anything is sent (or billed).
public struct GenerationRequestInput: Sendable, Equatable {
    public static let maxPromptLength = 2000
    public static let maxImages = 2
    public static let durationRange = 4...12
    public static let imageExtensions = ["jpg", "jpeg", "png", "webp"]
    /// Longest image URL accepted; the API names no limit, this one keeps a typo'd
    /// paste from becoming a request.
    public static let maxImageURLLength = 2048
    public static let maxModelLength = 128

    public var prompt: String?
    public var imageURLs: [String]
    public var duration: Int?
    public var quality: String?
    public var aspectRatio: String?
    public var generateAudio: Bool
    public var model: String?

    public init(prompt: String?, imageURLs: [String] = [], duration: Int? = nil, quality: String? = nil,
                aspectRatio: String? = nil, generateAudio: Bool = true, model: String? = nil) {
        self.prompt = prompt
        self.imageURLs = imageURLs
        self.duration = duration
        self.quality = quality
        self.aspectRatio = aspectRatio
        self.generateAudio = generateAudio
        self.model = model
    }

    /// Every problem with the input, in flag order; empty when it is a valid request.
    public func problems() -> [GenerationRequestProblem] {
        var found: [GenerationRequestProblem] = []
        found += promptProblems()
        found += imageProblems()
        if let duration, !Self.durationRange.contains(duration) {
            found.append(.init(.duration, "is \(duration); the API takes a whole number of seconds from "
                + "\(Self.durationRange.lowerBound) to \(Self.durationRange.upperBound)"))
        }
        if let quality, VideoQuality(rawValue: quality) == nil {
            found.append(.init(.quality, "is \"\(Self.shown(quality))\"; one of "
                + VideoQuality.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        if let aspectRatio, AspectRatio(rawValue: aspectRatio) == nil {
            found.append(.init(.aspectRatio, "is \"\(Self.shown(aspectRatio))\"; one of "
                + AspectRatio.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        if let model {
            if model.isEmpty {
                found.append(.init(.model, "is empty; leave it out for \(GenerationRequest.defaultModel)"))
            } else if model.utf8.count > Self.maxModelLength
                        || !model.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) {
                found.append(.init(.model, "must be at most \(Self.maxModelLength) printable characters without spaces"))
            }
        }
        return found
    }

    /// The request, or every problem with the input.
    public func validated(callbackURL: String) -> Result<GenerationRequest, GenerationRequestProblems> {
        let found = problems()
        guard found.isEmpty, let prompt else { return .failure(GenerationRequestProblems(found)) }
        return .success(GenerationRequest(
            model: model ?? GenerationRequest.defaultModel, prompt: prompt, imageURLs: imageURLs,
            duration: duration ?? GenerationRequest.defaultDuration,
            quality: quality.flatMap(VideoQuality.init(rawValue:)) ?? .default,
            aspectRatio: aspectRatio.flatMap(AspectRatio.init(rawValue:)) ?? .default,
            generateAudio: generateAudio, callbackURL: callbackURL))
    }

    private func promptProblems() -> [GenerationRequestProblem] {
        guard let prompt else {
            return [.init(.prompt, "is required: the text describing the video")]
        }
        if prompt.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) {
            return [.init(.prompt, "is empty; give the text describing the video")]
        }
        // The API counts characters (code points), as JSON Schema's maxLength does.
        let length = prompt.unicodeScalars.count
        if length > Self.maxPromptLength {
            return [.init(.prompt, "is \(length) characters long; the API takes at most \(Self.maxPromptLength)")]
        }
        if let scalar = prompt.unicodeScalars.first(where: { $0.value == 0 }) {
            return [.init(.prompt, "contains a NUL character (U+\(String(scalar.value, radix: 16)))")]
        }
        return []
    }

    private func imageProblems() -> [GenerationRequestProblem] {
        var found: [GenerationRequestProblem] = []
        if imageURLs.count > Self.maxImages {
            found.append(.init(.image, "is given \(imageURLs.count) times; at most \(Self.maxImages) images "
                + "(1: image to video, 2: first and last frame)"))
        }
        for (index, url) in imageURLs.enumerated() {
            if let problem = Self.imageURLProblem(url) {
                let which = imageURLs.count > 1 ? " \(index + 1)" : ""
                found.append(.init(.image, "\(which.isEmpty ? "" : "number\(which) ")\(problem)"))
            }
        }
        return found
    }

    /// Why a URL cannot be an image the API fetches, or nil.
    static func imageURLProblem(_ url: String) -> String? {
        if url.utf8.count > maxImageURLLength {
            return "is \(url.utf8.count) characters long; at most \(maxImageURLLength)"
        }
        if url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) {
            return "\"\(shown(url))\" contains a space or a control character; encode it (%20)"
        }
        guard let schemeEnd = url.range(of: "://") else {
            return "\"\(shown(url))\" is not an absolute URL; give https://host/path/image.png"
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "https" || scheme == "http" else {
            return "\"\(shown(url))\" has scheme \(scheme); the API fetches http(s) URLs only"
        }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        if rest[..<authorityEnd].isEmpty {
            return "\"\(shown(url))\" has no host"
        }
        let path = rest[authorityEnd...].prefix { $0 != "?" && $0 != "#" }
        let name = path.split(separator: "/").last.map(String.init) ?? ""
        let dot = name.lastIndex(of: ".")
        let ext = dot.map { name[name.index(after: $0)...].lowercased() } ?? ""
        guard imageExtensions.contains(ext) else {
            return "\"\(shown(url))\" does not end in "
                + imageExtensions.map { "." + $0 }.joined(separator: " ")
                + "; the API takes only these formats (at most 10 MB each)"
        }
        return nil
    }

    /// A value echoed in a message: cut, control characters escaped.
    static func shown(_ text: String) -> String {
        OutsideText.clean(text, limit: 80)
    }
}
