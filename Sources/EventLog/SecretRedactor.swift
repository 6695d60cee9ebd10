#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Replaces every registered secret with `[redacted]` in a log line's message and values.
///
/// Defence in depth: the code that handles the callback token and the API key never
/// logs them, but a peer can echo a token back in a path, a header or an error body,
/// and that text would otherwise land in the log verbatim.
public final class SecretRedactor: Sendable {
    public static let replacement = "[redacted]"

    /// Longest first, so that a secret containing another is replaced whole.
    private let secrets = Mutex<[String]>([])

    public init() {}

    /// Adds a secret. Registering the same secret twice, or an empty one, changes nothing.
    public func registerSecret(_ secret: String) {
        guard !secret.isEmpty else { return }
        secrets.withLock { list in
            guard !list.contains(secret) else { return }
            list.append(secret)
            list.sort { $0.utf8.count > $1.utf8.count }
        }
    }

    /// Forgets a secret that is no longer in use (an API key replaced on SIGHUP).
    public func unregisterSecret(_ secret: String) {
        secrets.withLock { list in
            list.removeAll { $0 == secret }
        }
    }

    public func redact(_ text: String) -> String {
        let current = secrets.withLock { $0 }
        guard !current.isEmpty else { return text }
        // Every field of every log line comes through here and almost none holds a
        // secret: look first, without copying, and copy only to replace.
        guard current.contains(where: { Self.occurs($0, in: text) }) else { return text }
        var bytes = Array(text.utf8)
        for secret in current {
            _ = Self.replace(Array(secret.utf8), in: &bytes)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func occurs(_ secret: String, in text: String) -> Bool {
        var secret = secret
        var text = text
        return secret.withUTF8 { needle in
            text.withUTF8 { haystack in
                guard let first = needle.first, haystack.count >= needle.count else { return false }
                // memchr finds each candidate start; memcmp checks it.
                let base = haystack.baseAddress!
                var offset = 0
                let lastStart = haystack.count - needle.count
                while offset <= lastStart,
                      let hit = memchr(base + offset, Int32(first), lastStart - offset + 1) {
                    let start = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + start, needle.baseAddress!, needle.count) == 0 { return true }
                    offset = start + 1
                }
                return false
            }
        }
    }

    /// Matches bytes, not Characters: a combining mark placed right after a secret would
    /// make Character comparison miss it. A secret is whole UTF-8, so a match can only
    /// start on a scalar boundary and the result stays valid UTF-8.
    private static func replace(_ secret: [UInt8], in bytes: inout [UInt8]) -> Bool {
        guard bytes.count >= secret.count else { return false }
        var result = [UInt8]()
        var index = 0
        var found = false
        let replacement = Array(Self.replacement.utf8)
        while index < bytes.count {
            if bytes[index] == secret[0], index + secret.count <= bytes.count,
               bytes[index..<index + secret.count].elementsEqual(secret) {
                if !found {
                    result.reserveCapacity(bytes.count)
                    result.append(contentsOf: bytes[0..<index])
                    found = true
                }
                result.append(contentsOf: replacement)
                index += secret.count
            } else {
                if found { result.append(bytes[index]) }
                index += 1
            }
        }
        if found { bytes = result }
        return found
    }
}
