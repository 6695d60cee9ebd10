/// Why a message to the service manager did not go out. The daemon logs it and carries
/// on: a failed notification must never take the daemon down.
public enum SystemdNotifyError: Error, Equatable, CustomStringConvertible {
    /// `NOTIFY_SOCKET` is set but cannot be a unix socket address.
    case invalidSocketAddress(String, reason: String)
    /// The message itself breaks the protocol (empty, or a NUL byte inside).
    case invalidMessage(String)
    /// The socket could not be made, or the datagram not sent.
    case systemCall(SystemCallError)

    public var description: String {
        switch self {
        case .invalidSocketAddress(let value, let reason):
            "NOTIFY_SOCKET=\"\(value)\" \(reason); systemd sets it for Type=notify services, "
                + "so check the unit, or unset it when running by hand"
        case .invalidMessage(let reason):
            "notify message not sent: \(reason)"
        case .systemCall(let error):
            "notify message not sent: \(error)"
        }
    }
}
