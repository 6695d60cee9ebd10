import Glibc

/// Where `NOTIFY_SOCKET` points: an `AF_UNIX` datagram socket, by path or in the abstract
/// namespace. Built the way systemd's own self-contained sd_notify example builds it.
struct NotifySocketAddress: Sendable, Equatable, CustomStringConvertible {
    /// The bytes of `sun_path`: the path, or for `@name` a NUL followed by the name.
    /// No trailing NUL: the address length counts only these bytes, and for an abstract
    /// name a trailing NUL would become part of the name.
    let pathBytes: [UInt8]
    /// The value as `NOTIFY_SOCKET` spelled it, for messages.
    let description: String

    static let maximumPathLength = MemoryLayout.size(ofValue: sockaddr_un().sun_path)

    init(_ value: String) throws(SystemdNotifyError) {
        var bytes = Array(value.utf8)
        switch bytes.first {
        case UInt8(ascii: "/"):
            break
        case UInt8(ascii: "@"):
            guard bytes.count > 1 else { throw .invalidSocketAddress(value, reason: "has an empty abstract name after @") }
            bytes[0] = 0
        default:
            throw .invalidSocketAddress(
                value,
                reason: "is neither an absolute path nor an @abstract name (vsock: addresses are not supported)"
            )
        }
        guard !bytes.dropFirst().contains(0) else {
            throw .invalidSocketAddress(value, reason: "contains a NUL byte")
        }
        guard bytes.count <= Self.maximumPathLength else {
            throw .invalidSocketAddress(
                value,
                reason: "is \(bytes.count) bytes long; a unix socket address holds at most \(Self.maximumPathLength)"
            )
        }
        pathBytes = bytes
        description = value
    }

    /// Calls `body` with the `sockaddr_un` and its exact length.
    func withSocketAddress<Result>(
        _ body: (UnsafePointer<sockaddr>, socklen_t) throws(SystemCallError) -> Result
    ) throws(SystemCallError) -> Result {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { sunPath in
            sunPath.copyBytes(from: pathBytes)
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + pathBytes.count)
        return try withUnsafePointer(to: &address) { (pointer) throws(SystemCallError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (socketAddress) throws(SystemCallError) in
                try body(socketAddress, length)
            }
        }
    }
}
