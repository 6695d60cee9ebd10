import Foundation
import Glibc

/// systemd's end of the notify protocol, played by a test: a unix datagram socket bound
/// where `NOTIFY_SOCKET` will point, by path or in the abstract namespace (`@name`).
/// Each datagram is kept with the time it arrived, so a test can judge the pace.
public final class NotifySocket {
    public struct Message: Sendable {
        public var text: String
        /// Monotonic seconds.
        public var receivedAt: Double

        /// The `KEY=VALUE` assignments of the datagram, one per line.
        public var assignments: [String] { text.split(separator: "\n").map(String.init) }
    }

    public let descriptor: Int32
    /// What to put in `NOTIFY_SOCKET`.
    public let address: String
    /// Where the socket file is, for `atPath()`.
    private let folder: TemporaryDirectory?

    public var environment: [String: String] { ["NOTIFY_SOCKET": address] }

    /// A socket file in a fresh temporary folder.
    public static func atPath() throws -> NotifySocket {
        let folder = TemporaryDirectory(prefix: "videohookd-notify")
        let path = folder.file("notify")
        return try NotifySocket(address: path, sunPath: Array(path.utf8), folder: folder)
    }

    /// A name in the abstract namespace, written `@name` as systemd writes it.
    public static func abstract() throws -> NotifySocket {
        let name = "videohookd-e2e-\(getpid())-\(UUID().uuidString.prefix(8))"
        return try NotifySocket(address: "@" + name, sunPath: [0] + Array(name.utf8), folder: nil)
    }

    private init(address: String, sunPath: [UInt8], folder: TemporaryDirectory?) throws {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw DaemonError("socket(AF_UNIX, SOCK_DGRAM): \(String(cString: strerror(errno)))") }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { $0.copyBytes(from: sunPath) }
        // Only the name's bytes count: a trailing NUL would be part of an abstract name.
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + sunPath.count)
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else {
            let code = errno
            close(descriptor)
            throw DaemonError("bind \(address): \(String(cString: strerror(code)))")
        }
        self.descriptor = descriptor
        self.address = address
        self.folder = folder
    }

    deinit {
        close(descriptor)
    }

    /// The next datagram, or nil when none arrives within `timeout` seconds.
    public func receive(within timeout: Double) -> Message? {
        var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&waiting, 1, Int32(max(1, timeout * 1000))) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { return nil }
        return Message(text: String(decoding: buffer[..<count], as: UTF8.self), receivedAt: Self.now())
    }

    /// Datagrams until one holds `assignment` (that one included), or nil after `timeout`.
    public func receive(until assignment: String, within timeout: Double) -> [Message]? {
        let deadline = Self.now() + timeout
        var messages: [Message] = []
        while Self.now() < deadline {
            guard let message = receive(within: deadline - Self.now()) else { continue }
            messages.append(message)
            if message.assignments.contains(assignment) { return messages }
        }
        return nil
    }

    /// Every datagram that arrives during the next `seconds`.
    public func receiveAll(during seconds: Double) -> [Message] {
        let deadline = Self.now() + seconds
        var messages: [Message] = []
        while Self.now() < deadline {
            if let message = receive(within: deadline - Self.now()) { messages.append(message) }
        }
        return messages
    }

    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
