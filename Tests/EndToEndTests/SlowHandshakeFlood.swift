import Foundation
import Glibc
import Synchronization
import Transport

/// A flood of slow TLS handshakes from 127.0.0.2 (the whole 127.0.0.0/8 is loopback, so
/// the daemon sees a second address): `target` connections, each sending a ClientHello
/// record's header and then one byte a second, reconnecting when the daemon drops one.
/// What issue 23 saw from outside, on one machine.
final class SlowHandshakeFlood: @unchecked Sendable {
    private let port: UInt16
    private let target: Int
    private let stopping = Atomic<Bool>(false)
    private let opened = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    /// A ClientHello record's header announcing 512 bytes, then the start of its body.
    static let trickle: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00] + [UInt8](repeating: 0x01, count: 511)

    init(port: UInt16, target: Int) {
        self.port = port
        self.target = target
    }

    /// Connections made so far, and how many of them the daemon closed.
    var connectionsOpened: Int { opened.load(ordering: .relaxed) }
    var connectionsDropped: Int { dropped.load(ordering: .relaxed) }

    func start() {
        let thread = Thread { [self] in run() }
        self.thread = thread
        thread.start()
    }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        finished.wait()
    }

    private func run() {
        var sent: [Int32: Int] = [:]
        var round = 0
        while !stopping.load(ordering: .relaxed) {
            // At most 250 new connections a round: a reconnecting flood, not a busy loop.
            for _ in 0..<min(250, target - sent.count) {
                guard let fd = connect() else { break }
                sent[fd] = 0
                opened.add(1, ordering: .relaxed)
            }
            let trickleNow = round % 4 == 0
            for (fd, count) in sent {
                var probe: UInt8 = 0
                let peeked = recv(fd, &probe, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
                let closed = peeked == 0 || (peeked < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
                if !closed, trickleNow, count < Self.trickle.count {
                    // The header at once, then a byte a second.
                    let length = count == 0 ? 5 : 1
                    let written = Self.trickle[count..<(count + length)].withUnsafeBytes {
                        send(fd, $0.baseAddress, length, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                    }
                    if written > 0 { sent[fd] = count + written }
                    if written < 0, errno != EAGAIN, errno != ENOTCONN { dropClosed(fd, &sent); continue }
                }
                if closed { dropClosed(fd, &sent) }
            }
            round += 1
            usleep(250_000)
        }
        for fd in sent.keys { close(fd) }
        finished.signal()
    }

    private func dropClosed(_ fd: Int32, _ sent: inout [Int32: Int]) {
        close(fd)
        sent.removeValue(forKey: fd)
        dropped.add(1, ordering: .relaxed)
    }

    /// A non-blocking connect from 127.0.0.2; nil when no socket can be made.
    private func connect() -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        guard let local = try? SocketAddress(parsing: "127.0.0.2:0"),
              let remote = try? SocketAddress(parsing: "127.0.0.1:\(port)"),
              local.withSockaddr({ bind(fd, $0, $1) }) == 0 else {
            close(fd)
            return nil
        }
        let started = remote.withSockaddr { Glibc.connect(fd, $0, $1) }
        guard started == 0 || errno == EINPROGRESS else {
            close(fd)
            return nil
        }
        return fd
    }
}
