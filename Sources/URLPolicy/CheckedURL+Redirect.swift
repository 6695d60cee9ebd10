/// Redirect targets, made absolute so the policy can judge them like any other URL.
extension CheckedURL {
    /// The absolute URL a `Location` header points to from this URL (RFC 9110 10.2.2,
    /// reference resolution of RFC 3986 5.2 without dot-segment removal, which the
    /// server does). The result is a string to pass to `URLPolicy.check`: a redirect is
    /// trusted no more than the first URL.
    ///
    /// - `https://other/x` and `http://other/x` stay as they are (the policy judges them);
    /// - `//other/x` takes this URL's scheme;
    /// - `/x` keeps this URL's host and port; `x` replaces the last path segment;
    ///   `?q` keeps the path; `#f` (or an empty value) is this URL.
    public func absoluteURL(forRedirect location: String) -> String {
        let origin = "\(scheme)://\(hostHeader)"
        if location.hasPrefix("//") { return "\(scheme):\(location)" }
        if Self.hasScheme(location) { return location }
        if location.hasPrefix("/") { return origin + location }
        let path = pathAndQuery.prefix { $0 != "?" }
        if location.isEmpty || location.hasPrefix("#") { return origin + pathAndQuery }
        if location.hasPrefix("?") { return origin + path + location }
        let directory = path[...(path.lastIndex(of: "/") ?? path.startIndex)]
        return origin + directory + location
    }

    /// A scheme is letters, digits, `+ - .` before a `:` that comes before any `/ ? #`.
    private static func hasScheme(_ reference: String) -> Bool {
        guard let colon = reference.firstIndex(of: ":"), colon != reference.startIndex,
              reference.first!.isLetter else { return false }
        return reference[..<colon].allSatisfy { $0.isLetter || $0.isNumber || "+-.".contains($0) }
    }
}
