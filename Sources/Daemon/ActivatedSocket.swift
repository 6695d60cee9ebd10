import Glibc

/// A descriptor that systemd opened and passed on (socket activation), with what the
/// kernel says it is, so the daemon can tell the callback listener from the admin one.
public struct ActivatedSocket: Sendable, Hashable, CustomStringConvertible {
    public enum Family: Sendable, Hashable {
        case ipv4, ipv6, unix
        case other(Int32)
    }

    public enum SocketType: Sendable, Hashable {
        case stream, datagram, sequentialPacket
        case other(Int32)
    }

    public let fileDescriptor: Int32
    /// From `LISTEN_FDNAMES` (the unit's `FileDescriptorName=`), or `unknown` when systemd
    /// passed no names, as `sd_listen_fds_with_names` says.
    public let name: String
    /// nil when the descriptor is not a socket (`ListenFIFO=`, a file).
    public let family: Family?
    /// nil when the descriptor is not a socket.
    public let socketType: SocketType?
    /// Whether `listen()` was called on it (`SO_ACCEPTCONN`); systemd listens on
    /// `ListenStream=` sockets unless `Accept=yes` hands over connections instead.
    public let isListening: Bool

    public init(fileDescriptor: Int32, name: String, family: Family?, socketType: SocketType?, isListening: Bool) {
        self.fileDescriptor = fileDescriptor
        self.name = name
        self.family = family
        self.socketType = socketType
        self.isListening = isListening
    }

    /// A TCP socket (IPv4 or IPv6) ready to `accept()`.
    public var isTCPListener: Bool {
        (family == .ipv4 || family == .ipv6) && socketType == .stream && isListening
    }

    public var description: String {
        let kind = family.map { "\($0)" } ?? "not a socket"
        let type = socketType.map { " \($0)" } ?? ""
        return "fd \(fileDescriptor) \"\(name)\" (\(kind)\(type)\(isListening ? ", listening" : ""))"
    }
}

extension ActivatedSocket.Family {
    init(domain: Int32) {
        switch domain {
        case AF_INET: self = .ipv4
        case AF_INET6: self = .ipv6
        case AF_UNIX: self = .unix
        default: self = .other(domain)
        }
    }
}

extension ActivatedSocket.SocketType {
    init(type: Int32) {
        switch type {
        case Int32(SOCK_STREAM.rawValue): self = .stream
        case Int32(SOCK_DGRAM.rawValue): self = .datagram
        case Int32(SOCK_SEQPACKET.rawValue): self = .sequentialPacket
        default: self = .other(type)
        }
    }
}
