/// `aspect_ratio`: the values the API lists.
public enum AspectRatio: String, Sendable, CaseIterable, Codable {
    case landscape = "16:9"
    case portrait = "9:16"
    case square = "1:1"
    case fourByThree = "4:3"
    case threeByFour = "3:4"
    case ultraWide = "21:9"
    case adaptive = "adaptive"

    public static let `default` = AspectRatio.landscape
}
