import Daemon
import Logging
import Settings
import Transport

/// Where the listening sockets come from: systemd (socket activation, `LISTEN_FDS`), so
/// that callbacks queue in the kernel while the daemon restarts; else bound here from
/// `listen` and `admin_listen`.
public enum ListenerSource {
    struct Opened {
        var callback: Int32
        var admin: Int32
        var activated: Bool
    }

    /// The sockets systemd passed, read (and the LISTEN_* variables unset, so children do
    /// not inherit them) before any thread starts: `unsetenv` is not thread-safe.
    public static func takeActivatedSockets(environment: [String: String]) throws -> [ActivatedSocket] {
        do {
            return try SocketActivation.listeningSockets(environment: environment, unsetEnvironment: true)
        } catch {
            throw ServeError("socket activation: \(error)")
        }
    }

    static func open(settings: Settings, activated: [ActivatedSocket], logger: Logger) throws -> Opened {
        guard !activated.isEmpty else {
            return Opened(callback: try ListenerBinder.bind(settings.listen, setting: "listen"),
                          admin: try ListenerBinder.bind(settings.adminListen, setting: "admin_listen"),
                          activated: false)
        }
        guard let callback = SocketActivation.callbackSocket(in: activated) else {
            throw ServeError("socket activation passed \(activated.map(\.description)) but no listening TCP socket "
                             + "for callbacks; name it `callbacks` (FileDescriptorName=callbacks)")
        }
        // systemd hands over blocking sockets; the event loops need them non-blocking.
        try SystemSocket.setNonBlocking(callback.fileDescriptor)
        var admin: Int32
        if let passed = SocketActivation.adminSocket(in: activated) {
            try SystemSocket.setNonBlocking(passed.fileDescriptor)
            admin = passed.fileDescriptor
        } else {
            admin = try ListenerBinder.bind(settings.adminListen, setting: "admin_listen")
        }
        logger.info("listeners.activated", metadata: ["sockets": "\(activated.map(\.description).joined(separator: ", "))"])
        return Opened(callback: callback.fileDescriptor, admin: admin, activated: true)
    }
}
