import Glibc

/// An IPv4 or IPv6 socket address (host and port), parsed from the settings' `host:port`
/// form (`0.0.0.0:8443`, `[::]:8443`, `127.0.0.1:0`) or read back from the kernel.
public struct SocketAddress: Sendable, Hashable, CustomStringConvertible {
    public enum Family: Sendable { case inet, inet6 }

    private var storage: [UInt8] // the raw sockaddr_in / sockaddr_in6 bytes

    public var family: Family {
        storage.count == MemoryLayout<sockaddr_in6>.size ? .inet6 : .inet
    }

    /// Parses `host:port` where host is a numeric IPv4 address or a bracketed IPv6 one.
    /// Names are refused on purpose: a listener binds to an address, not to a lookup.
    public init(parsing text: String) throws(SocketAddressError) {
        let host: String
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .malformed(text) }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw .malformed(text) }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw .malformed(text) }
            host = String(text[..<colon])
            portText = text[text.index(after: colon)...]
        }
        guard let port = UInt16(portText) else { throw .badPort(text) }
        try self.init(host: host, port: port)
    }

    public init(host: String, port: UInt16) throws(SocketAddressError) {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            sin.sin_addr = v4
            storage = withUnsafeBytes(of: &sin) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            sin6.sin6_addr = v6
            storage = withUnsafeBytes(of: &sin6) { Array($0) }
            return
        }
        throw .notNumeric(host)
    }

    /// The address the kernel wrote into a `sockaddr_storage` (accept, getsockname).
    public init?(storage raw: UnsafeRawPointer, length: socklen_t) {
        let family = Int32(raw.load(as: sa_family_t.self))
        if family == AF_INET, length >= MemoryLayout<sockaddr_in>.size {
            storage = Array(UnsafeRawBufferPointer(start: raw, count: MemoryLayout<sockaddr_in>.size))
        } else if family == AF_INET6, length >= MemoryLayout<sockaddr_in6>.size {
            storage = Array(UnsafeRawBufferPointer(start: raw, count: MemoryLayout<sockaddr_in6>.size))
        } else {
            return nil
        }
    }

    public var port: UInt16 {
        storage.withUnsafeBytes { raw in
            family == .inet
                ? UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port)
                : UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port)
        }
    }

    /// The numeric host, without brackets.
    public var host: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        storage.withUnsafeBytes { raw in
            if family == .inet {
                var addr = raw.load(as: sockaddr_in.self).sin_addr
                _ = inet_ntop(AF_INET, &addr, &text, socklen_t(text.count))
            } else {
                var addr = raw.load(as: sockaddr_in6.self).sin6_addr
                _ = inet_ntop(AF_INET6, &addr, &text, socklen_t(text.count))
            }
        }
        let length = text.firstIndex(of: 0) ?? text.count
        return String(decoding: text[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var description: String {
        family == .inet ? "\(host):\(port)" : "[\(host)]:\(port)"
    }

    public var addressFamily: Int32 { family == .inet ? AF_INET : AF_INET6 }

    /// The host's address in network order: 4 bytes for IPv4, 16 for IPv6.
    public var hostBytes: [UInt8] {
        storage.withUnsafeBytes { raw in
            if family == .inet {
                var addr = raw.load(as: sockaddr_in.self).sin_addr
                return withUnsafeBytes(of: &addr) { Array($0) }
            }
            var addr = raw.load(as: sockaddr_in6.self).sin6_addr
            return withUnsafeBytes(of: &addr) { Array($0) }
        }
    }

    /// Calls `body` with the raw sockaddr pointer and its length, for bind and connect.
    public func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { raw in
            try body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
    }
}

public enum SocketAddressError: Error, CustomStringConvertible, Sendable, Equatable {
    case malformed(String)
    case badPort(String)
    case notNumeric(String)

    public var description: String {
        switch self {
        case .malformed(let text):
            return "\"\(text)\" is not an address: write host:port, e.g. 0.0.0.0:8443 or [::]:8443"
        case .badPort(let text):
            return "\"\(text)\" has no valid port: the port is a number from 0 to 65535"
        case .notNumeric(let host):
            return "\"\(host)\" is not a numeric IPv4 or IPv6 address (names are not resolved for listening)"
        }
    }
}
