/// Which `Content-Type` a download accepts. The video must be `video/*` or
/// `application/octet-stream` (what storage buckets often send); a page of HTML from a
/// login wall or an error page must not be archived as a video. A missing type is read
/// as `application/octet-stream` (RFC 9110 §8.3).
enum ContentTypeRule: Sendable {
    case video
    /// A further result (a last frame): any image, video or audio, or octet-stream.
    case media

    func accepts(_ contentType: String?) -> Bool {
        guard let contentType else { return true }
        let essence = Self.essence(contentType)
        if essence == "application/octet-stream" || essence == "binary/octet-stream" { return true }
        switch self {
        case .video: return essence.hasPrefix("video/")
        case .media: return essence.hasPrefix("video/") || essence.hasPrefix("image/") || essence.hasPrefix("audio/")
        }
    }

    var expectation: String {
        switch self {
        case .video: "video/* or application/octet-stream"
        case .media: "image/*, video/*, audio/* or application/octet-stream"
        }
    }

    /// `Video/MP4; codecs=…` → `video/mp4`.
    static func essence(_ contentType: String) -> String {
        let type = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return String(type.filter { $0 != " " && $0 != "\t" }).lowercased()
    }
}
