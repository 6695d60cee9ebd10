/// What `serve` learns at start about the callback URL it will hand out: whether it may
/// start, the URL, and the text to print. The message never contains the token.
public struct PublicCallbackCheck: Sendable {
    public enum Outcome: Sendable, Hashable {
        /// `public_url` is set and the callback URL passes every rule.
        case accepted
        /// `public_url` is set but its name could not be resolved now (a temporary
        /// resolver failure): start, and say so.
        case unverified
        /// No `public_url`: the URL is a guess from this host's addresses.
        case guessed
        /// `public_url` breaks a rule: do not start.
        case refused
    }

    public let outcome: Outcome
    /// The full callback URL, token included: what `submit` sends as `callback_url`.
    public let callbackURL: String
    /// The rule the URL broke, for `refused`, `unverified`, and a `guessed` URL that the
    /// video API would refuse.
    public let refusal: URLRefusal?
    /// One or more lines for the operator, without the token.
    public let message: String

    /// False only when a configured `public_url` breaks a rule.
    public var allowsStart: Bool { outcome != .refused }
}

/// Checks the callback URL `serve` will hand out, built from `public_url` and the token.
///
/// - A configured `public_url` that breaks a rule refuses the start, with a message
///   naming the rule and the part at fault. One with a query or fragment is refused
///   too: the callback path is appended to it.
/// - With no `public_url` (nil or blank), the URL is guessed by `guessPublicURL` from
///   the listener's port, and the message warns that the video API refuses a URL with
///   an internal address.
public func checkPublicCallbackURL(
    publicURL: String?, token: String, listenPort: Int,
    policy: URLPolicy = URLPolicy(resolver: SystemHostResolver()),
    guessPublicURL: (Int) -> String = PublicURLGuess.fromSystem(port:)
) -> PublicCallbackCheck {
    let configured = publicURL.map { $0.trimmingASCIIWhitespace() }.flatMap { $0.isEmpty ? nil : $0 }
    guard let configured else {
        return checkGuessedCallbackURL(guessPublicURL(listenPort), token: token, policy: policy)
    }
    let callbackURL = CallbackURL.make(publicURL: configured, token: token)
    let shownURL = CallbackURL.make(publicURL: configured, token: "<token>")
    if configured.contains("?") || configured.contains("#") {
        let refusal = URLRefusal(
            rule: .malformed, part: configured,
            message: "public_url \"\(configured)\" has a query or fragment, but the callback path is appended to it")
        return PublicCallbackCheck(
            outcome: .refused, callbackURL: callbackURL, refusal: refusal,
            message: "public_url breaks the callback URL rules (\(refusal.rule)): \(refusal.message). "
                + "Write it as https://host[:port][/prefix].")
    }
    switch policy.check(callbackURL) {
    case .success:
        return PublicCallbackCheck(
            outcome: .accepted, callbackURL: callbackURL, refusal: nil,
            message: "callback URL \(shownURL) passes the callback URL rules")
    case .failure(let refusal) where refusal.isTemporary:
        return PublicCallbackCheck(
            outcome: .unverified, callbackURL: callbackURL, refusal: refusal,
            message: "warning: public_url \"\(configured)\" could not be checked now (\(refusal.message)); "
                + "starting anyway, check it with: videohookd check-url \(configured)")
    case .failure(let refusal):
        return PublicCallbackCheck(
            outcome: .refused, callbackURL: callbackURL, refusal: refusal,
            message: "public_url \"\(configured)\" breaks the callback URL rules (\(refusal.rule)): \(refusal.message). "
                + "The video API refuses such a callback URL: set public_url to an https://host[:port] it can reach.")
    }
}

private func checkGuessedCallbackURL(_ guess: String, token: String, policy: URLPolicy) -> PublicCallbackCheck {
    let callbackURL = CallbackURL.make(publicURL: guess, token: token)
    let shownURL = CallbackURL.make(publicURL: guess, token: "<token>")
    var lines = ["public_url is not set; guessing the callback URL \(shownURL)"]
    var refusal: URLRefusal?
    if case .failure(let found) = policy.check(callbackURL) {
        refusal = found
        lines.append("warning: the video API will refuse this callback URL (\(found.rule)): \(found.message). "
            + "Set public_url to the https://host[:port] the video API reaches this machine at.")
    } else {
        lines.append("warning: this is a guess; set public_url to the https://host[:port] the video API reaches this machine at.")
    }
    return PublicCallbackCheck(outcome: .guessed, callbackURL: callbackURL, refusal: refusal,
                               message: lines.joined(separator: "\n"))
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
