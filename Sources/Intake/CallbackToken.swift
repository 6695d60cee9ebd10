import Foundation

/// The secret path segment of the callback URL (`/callbacks/<token>`). The video API
/// does not sign callbacks, so this token is what keeps strangers from posting to us.
/// It never appears in a log line.
public struct CallbackToken: Sendable {
    public let value: String

    public init(_ value: String) {
        self.value = value
    }

    /// 256 random bits, base64url without padding: 43 URL-safe characters.
    public static func random() -> CallbackToken {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let text = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return CallbackToken(text)
    }

    /// The token in `<stateDirectory>/callback-token`, made (mode 0600) on first start.
    public static func loadOrCreate(in stateDirectory: String) throws -> (token: CallbackToken, created: Bool) {
        let path = stateDirectory + "/callback-token"
        if let data = FileManager.default.contents(atPath: path) {
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let token = try? CallbackToken(validating: text) else {
                throw CallbackTokenError("\(path) does not hold a usable token (\(text.count) characters); delete it to make a new one, or set `token`")
            }
            return (token, false)
        }
        let token = random()
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data((token.value + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw CallbackTokenError("cannot write \(temporary): check that the state folder is writable")
        }
        let fd = open(temporary, O_RDONLY)
        if fd >= 0 { fsync(fd); close(fd) }
        guard rename(temporary, path) == 0 else {
            throw CallbackTokenError("cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
        }
        return (token, true)
    }

    /// A configured token must be long enough to be unguessable and safe in a URL path.
    public init(validating text: String) throws(CallbackTokenError) {
        guard text.count >= 22 else {
            throw CallbackTokenError("token: at least 22 characters (128 bits) are needed, got \(text.count)")
        }
        guard text.count <= 256 else { throw CallbackTokenError("token: at most 256 characters") }
        guard text.utf8.allSatisfy({ Self.isURLSafe($0) }) else {
            throw CallbackTokenError("token: only letters, digits, '-' and '_' are allowed")
        }
        self.init(text)
    }

    private static func isURLSafe(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == 0x2D || byte == 0x5F
    }

    /// The callback path, `/callbacks/<token>`.
    public var path: String { "/callbacks/" + value }

    /// Whether `candidate` is this token's callback path. The time taken does not depend
    /// on where the first difference is, so the token cannot be guessed byte by byte.
    public func matchesPath(_ candidate: String) -> Bool {
        ConstantTime.equal(Array(candidate.utf8), Array(path.utf8))
    }
}

public struct CallbackTokenError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Comparison whose time depends only on the lengths.
public enum ConstantTime {
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference: UInt8 = a.count == b.count ? 0 : 1
        let count = max(a.count, b.count)
        for index in 0..<count {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
