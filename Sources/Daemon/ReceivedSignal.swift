import Glibc

/// A signal the process received, and who sent it.
public struct ReceivedSignal: Sendable, Equatable, CustomStringConvertible {
    public let number: Int32
    /// The sending process (`si_pid`); 0 when the kernel sent it (a terminal's Ctrl-C).
    public let senderPID: pid_t

    public init(number: Int32, senderPID: pid_t) {
        self.number = number
        self.senderPID = senderPID
    }

    /// `SIGTERM`, `SIGINT`, `SIGHUP`; other signals by number.
    public var name: String {
        switch number {
        case SIGTERM: "SIGTERM"
        case SIGINT: "SIGINT"
        case SIGHUP: "SIGHUP"
        case SIGQUIT: "SIGQUIT"
        case SIGUSR1: "SIGUSR1"
        case SIGUSR2: "SIGUSR2"
        default: "signal \(number)"
        }
    }

    public var description: String {
        senderPID == 0 ? name : "\(name) from pid \(senderPID)"
    }
}
