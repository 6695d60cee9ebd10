import CLinux
import Foundation
import Logging
import Synchronization
import Transport

/// The HTTP/1.1 server: a few event-loop threads (one per core by default), each
/// accepting from every listener and serving its own connections. No thread per
/// connection: an idle connection costs a descriptor and a small object.
public final class HTTPServer: Sendable {
    private let currentConfiguration: Mutex<ServerConfiguration>
    public let logger: Logger
    public let observer: ServerObserver
    private let openCount = Atomic<Int>(0)
    private let loops = Mutex<[EventLoop]>([])
    private let heapReturnTrigger: HeapReturnTrigger
    private let heapReturn: HeapReturn

    public init(configuration: ServerConfiguration = ServerConfiguration(), logger: Logger,
                observer: ServerObserver = ServerObserver(), heapReturn: HeapReturn = .malloc) {
        currentConfiguration = Mutex(configuration)
        self.logger = logger
        self.observer = observer
        heapReturnTrigger = HeapReturnTrigger(drop: configuration.heapReturnDrop)
        self.heapReturn = heapReturn
    }

    /// Starts the loops on `listeners` and returns; the loops run until `shutdown`.
    public func start(listeners: [ServerListener]) throws(SocketError) {
        // OpenSSL writes to sockets with plain write(): a client that hangs up mid-answer
        // would raise SIGPIPE, whose default kills the process. The server relies on
        // getting EPIPE instead, so it makes sure, whoever embeds it.
        signal(SIGPIPE, SIG_IGN)
        let count = configuration.loopCount > 0 ? configuration.loopCount : max(1, ProcessInfo.processInfo.activeProcessorCount)
        var started: [EventLoop] = []
        for index in 0..<count {
            started.append(try EventLoop(server: self, index: index, listeners: listeners))
        }
        loops.withLock { $0 = started }
        let name = String(configuration.threadName.utf8.prefix(12)) ?? "vh-loop"
        for loop in started {
            let thread = Thread {
                // Named from inside, as top -H shows it (see CLinux/linux.h).
                pthread_setname_np(pthread_self(), "\(name)-\(loop.index)")
                loop.run()
            }
            thread.start()
        }
    }

    /// The limits and timeouts in force. Loops read it as they go, so an update (SIGHUP)
    /// applies to new requests and to the next timeout check; the loop count and the
    /// connection cap stay as they were at start.
    public var configuration: ServerConfiguration { currentConfiguration.withLock { $0 } }

    public func update(_ configuration: ServerConfiguration) {
        currentConfiguration.withLock { current in
            var updated = configuration
            updated.loopCount = current.loopCount
            current = updated
        }
    }

    /// True when every loop has gone round within `seconds`: the watchdog's health check.
    /// A loop wakes at least four times a second, so a loop that has not is stuck.
    public func loopsAreResponsive(within seconds: Double = 5) -> Bool {
        let now = MonotonicClock.nanoseconds()
        return loops.withLock { $0 }.allSatisfy { now &- $0.lastIteration < UInt64(seconds * 1e9) }
    }

    /// Open connections across all loops.
    public var openConnections: Int { openCount.load(ordering: .relaxed) }

    /// Stops accepting, answers what is in flight (with `Connection: close`), closes idle
    /// connections, and lets the loops end; `wait()` returns when they have.
    public func shutdown() {
        for loop in loops.withLock({ $0 }) { loop.beginShutdown() }
    }

    public func wait() {
        for loop in loops.withLock({ $0 }) { loop.waitUntilFinished() }
    }

    func connectionOpened() -> Int {
        let open = openCount.wrappingAdd(1, ordering: .relaxed).newValue
        heapReturnTrigger.opened(open: open)
        return open
    }

    func connectionClosed() {
        let open = openCount.wrappingSubtract(1, ordering: .relaxed).newValue
        if heapReturnTrigger.closed(open: open) { scheduleHeapReturn() }
    }

    /// Off the loops, since `malloc_trim` takes milliseconds, and at once, not after the
    /// burst: it holds each arena's lock while it walks it, so a loop allocating meanwhile
    /// waits. Returning 1,024 connections' memory at a time kept that wait to 3–4 ms
    /// after 10,000 closed; returning all of it in one pass a second later, to 14 ms.
    private func scheduleHeapReturn() {
        DispatchQueue.global(qos: .utility).async { [self] in
            let result = heapReturn.run()
            let open = openConnections
            heapReturnTrigger.returned(open: open)
            logger.info("memory.returned", metadata: [
                "rss_before_mb": "\(result.before >> 20)", "rss_after_mb": "\(result.after >> 20)",
                "ms": "\(Int(result.milliseconds.rounded()))", "open_connections": "\(open)",
            ])
        }
    }
}
