import Foundation
import Glibc

/// Tells systemd how the daemon is doing, over the notify protocol (`man sd_notify`),
/// without libsystemd: one `AF_UNIX` datagram per message to the socket in `NOTIFY_SOCKET`.
///
/// Without `NOTIFY_SOCKET` (run by hand, in a container, under `Type=simple`) every
/// method does nothing and succeeds. Every method reports a failure by throwing and never
/// traps: the daemon logs it and keeps serving.
public struct SystemdNotifier: Sendable {
    enum Destination: Sendable, Equatable {
        case none
        case socket(NotifySocketAddress)
        /// Kept rather than thrown from `init`, so that one bad variable does not stop
        /// the daemon from starting; each send reports it instead.
        case unusable(SystemdNotifyError)
    }

    let destination: Destination

    /// Reads `NOTIFY_SOCKET` from `environment`. Absent or empty: a notifier that does nothing.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let value = environment["NOTIFY_SOCKET"], !value.isEmpty else {
            destination = .none
            return
        }
        do {
            destination = .socket(try NotifySocketAddress(value))
        } catch {
            destination = .unusable(error)
        }
    }

    /// A notifier that sends nothing.
    public static let disabled = SystemdNotifier(environment: [:])

    /// Whether systemd asked for notifications (`NOTIFY_SOCKET` is set).
    public var isEnabled: Bool { destination != .none }

    /// `READY=1`: start-up is finished; listeners and the ledger are open. Send it again
    /// after a reload, or systemd leaves the unit in "reloading".
    public func ready() throws(SystemdNotifyError) {
        try send("READY=1")
    }

    /// `STOPPING=1`: shutdown has begun (SIGTERM arrived).
    public func stopping() throws(SystemdNotifyError) {
        try send("STOPPING=1")
    }

    /// `RELOADING=1` with `MONOTONIC_USEC=`, which systemd 253 and later require for
    /// `Type=notify-reload` and older versions ignore. Follow it with `ready()` once the
    /// reload is done.
    public func reloading() throws(SystemdNotifyError) {
        try send("RELOADING=1\nMONOTONIC_USEC=\(Self.monotonicMicroseconds())")
    }

    /// `WATCHDOG=1`: the daemon is alive. `WatchdogPinger` sends it on schedule.
    public func watchdog() throws(SystemdNotifyError) {
        try send("WATCHDOG=1")
    }

    /// `STATUS=`: one line for `systemctl status`. Line breaks and other control
    /// characters become spaces, so the text cannot smuggle in another assignment.
    public func status(_ text: String) throws(SystemdNotifyError) {
        let oneLine = String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            scalar.properties.generalCategory == .control ? " " : scalar
        }))
        try send("STATUS=\(oneLine)")
    }

    /// Sends `raw` as one datagram: newline-separated `KEY=VALUE` assignments.
    public func send(_ raw: String) throws(SystemdNotifyError) {
        let address: NotifySocketAddress
        switch destination {
        case .none: return
        case .unusable(let error): throw error
        case .socket(let socketAddress): address = socketAddress
        }
        let message = Array(raw.utf8)
        guard !message.isEmpty else { throw .invalidMessage("the message is empty") }
        guard !message.contains(0) else { throw .invalidMessage("the message contains a NUL byte") }
        do {
            try Self.sendDatagram(message, to: address)
        } catch {
            throw .systemCall(error)
        }
    }

    /// A fresh socket per message, as sd_notify does: nothing to keep open, nothing to
    /// share between threads, and a notify socket that systemd re-created is found again.
    private static func sendDatagram(_ message: [UInt8], to address: NotifySocketAddress) throws(SystemCallError) {
        let socketType = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let descriptor = try retryingInterrupted("socket(AF_UNIX, SOCK_DGRAM)") { socket(AF_UNIX, socketType, 0) }
        defer { close(descriptor) }
        let sent = try address.withSocketAddress { (socketAddress, length) throws(SystemCallError) in
            try retryingInterrupted("sendto NOTIFY_SOCKET \(address)") {
                message.withUnsafeBytes { bytes in
                    sendto(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
        }
        guard sent == message.count else {
            throw SystemCallError("sendto NOTIFY_SOCKET \(address) sent \(sent) of \(message.count) bytes", errno: EMSGSIZE)
        }
    }

    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
