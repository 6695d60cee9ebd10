import Foundation
import Glibc

/// Socket activation as `sd_listen_fds` does it: systemd opens the listeners, and the
/// daemon finds them at descriptors 3, 4, ... So callbacks queue in the kernel while the
/// daemon restarts, and the daemon binds nothing itself.
public enum SocketActivation {
    /// `SD_LISTEN_FDS_START`: the first descriptor systemd passes.
    public static let firstPassedDescriptor: Int32 = 3
    /// The `FileDescriptorName=` of the socket for `POST /callbacks/<token>`.
    public static let callbackSocketName = "callbacks"
    /// The `FileDescriptorName=` of the socket for `/healthz`, `/readyz`, `/metrics`.
    public static let adminSocketName = "admin"

    /// The descriptors systemd passed to process `pid`, each marked close-on-exec.
    ///
    /// Returns an empty array when there are none for us: `LISTEN_PID` unset, or naming
    /// another process (the variables leaked from a parent), or `LISTEN_FDS` unset.
    /// Throws when the variables are malformed, when `LISTEN_FDNAMES` does not name every
    /// descriptor, or when a counted descriptor is not open.
    ///
    /// - Parameters:
    ///   - firstDescriptor: 3 in production; tests pass where their own sockets are.
    ///   - unsetEnvironment: remove `LISTEN_PID`, `LISTEN_FDS` and `LISTEN_FDNAMES` from the
    ///     process environment afterwards, so that nothing started later believes the
    ///     sockets are its own. `unsetenv` is not thread-safe: only do this early in `main`.
    public static func listeningSockets(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        pid: pid_t = getpid(),
        firstDescriptor: Int32 = firstPassedDescriptor,
        unsetEnvironment: Bool = false
    ) throws(SystemdEnvironmentError) -> [ActivatedSocket] {
        defer {
            if unsetEnvironment {
                for variable in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] { unsetenv(variable) }
            }
        }
        guard let pidText = environment["LISTEN_PID"] else { return [] }
        guard let listenPID = pid_t(pidText), listenPID > 0 else {
            throw SystemdEnvironmentError(
                variable: "LISTEN_PID", value: pidText, problem: "is not a process id: expected a whole number above 0"
            )
        }
        guard listenPID == pid else { return [] }
        guard let countText = environment["LISTEN_FDS"] else { return [] }
        guard let count = Int32(countText), count >= 0, count <= Int32.max - firstDescriptor else {
            throw SystemdEnvironmentError(
                variable: "LISTEN_FDS", value: countText,
                problem: "is not a number of descriptors: expected a whole number, 0 or more"
            )
        }
        guard count > 0 else { return [] }
        let names = try descriptorNames(environment["LISTEN_FDNAMES"], count: Int(count))
        return try (0..<count).map { (offset) throws(SystemdEnvironmentError) in
            let descriptor = firstDescriptor + offset
            do {
                try setCloseOnExec(descriptor)
            } catch {
                throw SystemdEnvironmentError(
                    variable: "LISTEN_FDS", value: countText,
                    problem: "counts descriptor \(descriptor), but it is unusable: \(error)"
                )
            }
            return describe(descriptor, name: names[Int(offset)])
        }
    }

    /// The listener for callbacks: the socket named `callbacks`, else the first TCP
    /// listener that is not named `admin` (a unit that names nothing).
    public static func callbackSocket(in sockets: [ActivatedSocket]) -> ActivatedSocket? {
        sockets.first { $0.name == callbackSocketName }
            ?? sockets.first { $0.isTCPListener && $0.name != adminSocketName }
    }

    /// The admin listener: only a socket named `admin`. An unnamed second socket could be
    /// anything, and serving metrics on the public port by guesswork would be worse than
    /// binding `admin_listen` ourselves.
    public static func adminSocket(in sockets: [ActivatedSocket]) -> ActivatedSocket? {
        sockets.first { $0.name == adminSocketName }
    }

    private static func descriptorNames(_ namesText: String?, count: Int) throws(SystemdEnvironmentError) -> [String] {
        guard let namesText else { return Array(repeating: "unknown", count: count) }
        let names = namesText.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard names.count == count else {
            throw SystemdEnvironmentError(
                variable: "LISTEN_FDNAMES", value: namesText,
                problem: "has \(names.count) name\(names.count == 1 ? "" : "s") for LISTEN_FDS=\(count) descriptors: expected one name per descriptor, separated by colons"
            )
        }
        return names
    }

    private static func setCloseOnExec(_ descriptor: Int32) throws(SystemCallError) {
        let flags = try retryingInterrupted("fcntl(\(descriptor), F_GETFD)") { fcntl(descriptor, F_GETFD) }
        guard flags & FD_CLOEXEC == 0 else { return }
        try retryingInterrupted("fcntl(\(descriptor), F_SETFD)") { fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
    }

    private static func describe(_ descriptor: Int32, name: String) -> ActivatedSocket {
        // ENOTSOCK on the first option means a FIFO or a file: not a socket, and no error.
        guard let domain = socketOption(descriptor, SO_DOMAIN) else {
            return ActivatedSocket(fileDescriptor: descriptor, name: name, family: nil, socketType: nil, isListening: false)
        }
        return ActivatedSocket(
            fileDescriptor: descriptor,
            name: name,
            family: ActivatedSocket.Family(domain: domain),
            socketType: socketOption(descriptor, SO_TYPE).map(ActivatedSocket.SocketType.init(type:)),
            isListening: socketOption(descriptor, SO_ACCEPTCONN) == 1
        )
    }

    private static func socketOption(_ descriptor: Int32, _ option: Int32) -> Int32? {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, option, &value, &length) == 0 else { return nil }
        return value
    }
}
