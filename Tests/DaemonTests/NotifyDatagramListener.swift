import Foundation
import Glibc

/// Stands in for systemd's end of the notify protocol: a unix datagram socket bound where
/// `NOTIFY_SOCKET` will point, by path or in the abstract namespace.
final class NotifyDatagramListener {
    let descriptor: Int32
    /// What to put in `NOTIFY_SOCKET`.
    let notifySocket: String
    private let pathToRemove: String?

    var environment: [String: String] { ["NOTIFY_SOCKET": notifySocket] }

    /// A socket file in a fresh temporary directory.
    static func atPath() throws -> NotifyDatagramListener {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("videohookd-notify-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("notify").path
        return try NotifyDatagramListener(notifySocket: path, sunPath: Array(path.utf8), pathToRemove: path)
    }

    /// A name in the abstract namespace, written `@name` as systemd writes it.
    static func abstract() throws -> NotifyDatagramListener {
        let name = "videohookd-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        return try NotifyDatagramListener(notifySocket: "@" + name, sunPath: [0] + Array(name.utf8), pathToRemove: nil)
    }

    private init(notifySocket: String, sunPath: [UInt8], pathToRemove: String?) throws {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw TestSocketError("socket", errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: sunPath) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + sunPath.count)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else {
            let code = errno
            close(descriptor)
            throw TestSocketError("bind \(notifySocket)", code)
        }
        self.descriptor = descriptor
        self.notifySocket = notifySocket
        self.pathToRemove = pathToRemove
    }

    deinit {
        close(descriptor)
        if let pathToRemove {
            try? FileManager.default.removeItem(atPath: (pathToRemove as NSString).deletingLastPathComponent)
        }
    }

    /// The next datagram, or nil when none arrives within `timeout`.
    func receive(within timeout: Duration = .seconds(2)) -> String? {
        var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(max(1, timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
        guard poll(&waiting, 1, milliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    /// Every datagram that arrives during `window`.
    func receiveAll(during window: Duration) -> [String] {
        let clock = ContinuousClock()
        let deadline = clock.now + window
        var messages: [String] = []
        while clock.now < deadline {
            if let message = receive(within: deadline - clock.now) { messages.append(message) }
        }
        return messages
    }
}

struct TestSocketError: Error, CustomStringConvertible {
    let description: String

    init(_ operation: String, _ code: Int32) {
        description = "\(operation): \(String(cString: strerror(code)))"
    }
}
