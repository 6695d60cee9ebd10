/// Why a URL was refused: the rule it broke, the part of the URL at fault, and a
/// sentence for a person. Printable and testable, never a bare `false`.
public struct URLRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public let rule: URLRule
    /// The part of the URL at fault, as written (`127.1`, `ftp`, `user@`), or a short
    /// description of it where no part is (`2049 characters`). Passwords are never kept.
    public let part: String
    /// What is wrong, naming the part: `host "127.1" is 127.0.0.1, loopback (127.0.0.0/8)`.
    public let message: String
    /// True only when a resolver failed for a reason that may pass (`EAI_AGAIN`): the
    /// downloader retries later instead of giving the task up.
    public let isTemporary: Bool

    public init(rule: URLRule, part: String, message: String, isTemporary: Bool = false) {
        self.rule = rule
        self.part = part
        self.message = message
        self.isTemporary = isTemporary
    }

    /// `internal-address: host "127.1" is 127.0.0.1, loopback (127.0.0.0/8)`.
    public var description: String { "\(rule): \(message)" }
}
