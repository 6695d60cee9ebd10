/// The callback URL the video API is given: `<public_url>/callbacks/<token>`.
public enum CallbackURL {
    /// The path segment before the token; the router serves `POST /callbacks/<token>`.
    public static let pathSegment = "callbacks"

    /// Joins `public_url` (which may carry a path prefix, and a trailing slash or not)
    /// and the token with exactly one slash between each part. The token is used as it
    /// is: it is made of URL-safe characters.
    public static func make(publicURL: String, token: String) -> String {
        var base = Substring(publicURL)
        while base.hasSuffix("/") { base = base.dropLast() }
        return "\(base)/\(pathSegment)/\(token)"
    }
}
