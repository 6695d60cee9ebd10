import Foundation

/// Takes out of a store's refusal what could carry a credential, before the reason is
/// kept in the ledger (and printed by `show`, and read by anyone who can read the
/// ledger). Defence in depth: the object store's client should not put them there, but
/// an S3 error body echoes request material, and `SignatureDoesNotMatch` in particular
/// returns the canonical request, whose signed headers include `x-amz-security-token`.
///
/// Replaced with `[redacted]`: presigned-URL query values (`X-Amz-Signature`,
/// `X-Amz-Credential`, `X-Amz-Security-Token`, `Signature`), `Authorization` and
/// `x-amz-security-token` header values, and the whole content of the error body's
/// `StringToSign`, `StringToSignBytes`, `CanonicalRequest`, `CanonicalRequestBytes` and
/// `SignatureProvided` elements. The error code and message stay: they say what to fix.
enum CredentialText {
    static let replacement = "[redacted]"

    private static let rules: [(NSRegularExpression, String)] = [
        (#"<(StringToSign|StringToSignBytes|CanonicalRequest|CanonicalRequestBytes|SignatureProvided)>.*?</\1>"#,
         "<$1>\(replacement)</$1>"),
        (#"\b(X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature)=[^&\s"'<>]+"#, "$1=\(replacement)"),
        (#"\b(Authorization|x-amz-security-token)(\s*:\s*)[^\r\n<]+"#, "$1$2\(replacement)"),
    ].compactMap { pattern, template in
        // Constant patterns: one that failed to compile would be a bug, and the tests,
        // which check each rule's effect, would catch it; the daemon does not trap for it.
        (try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive, .dotMatchesLineSeparators]))
            .map { ($0, template) }
    }

    static func redacted(_ text: String) -> String {
        rules.reduce(text) { text, rule in
            rule.0.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: rule.1)
        }
    }
}
