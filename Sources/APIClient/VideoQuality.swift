/// `quality`: the video's resolution. The API prices by it.
public enum VideoQuality: String, Sendable, CaseIterable, Codable {
    case p480 = "480p"
    case p720 = "720p"
    case p1080 = "1080p"

    public static let `default` = VideoQuality.p720
}
