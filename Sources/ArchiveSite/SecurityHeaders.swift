import HTTP

/// What every answer of the admin listener carries, page or API, 404 included
/// (installed as the router's ``Server/Router/responseHeaders``).
public enum SecurityHeaders {
    /// Everything from this origin only; no inline script or style attribute that a
    /// value slipping through escaping could turn into code; no framing (clickjacking
    /// the retry button); forms post back here only.
    public static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    public static var all: HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add("Content-Security-Policy", contentSecurityPolicy)
        headers.add("X-Content-Type-Options", "nosniff")
        headers.add("X-Frame-Options", "DENY")
        headers.add("Referrer-Policy", "no-referrer")
        headers.add("Cache-Control", "no-store")
        return headers
    }
}
