import CLinux
import Foundation
import Lifecycle
import Logging
import Synchronization
import Transport

/// The HTTP/1.1 server: a few event-loop threads (one per core by default), each
/// accepting from every listener and serving its own connections. No thread per
/// connection: an idle connection costs a descriptor and a small object.
public final class HTTPServer: Service, Sendable {
    private let currentConfiguration: Mutex<ServerConfiguration>
    public let logger: Logger
    public let observer: ServerObserver
    private let openCount = Atomic<Int>(0)
    /// Open connections by peer, for the per-address cap.
    let perAddress = ConnectionsPerAddress()
    private let loops = Mutex<[EventLoop]>([])
    private let heapReturnTrigger: HeapReturnTrigger
    private let heapReturn: HeapReturn
    private let threads = Mutex<[NamedThread]>([])
    /// What ``start()`` serves, as a service in a stack.
    private let plannedListeners: [ServerListener]

    public let serviceName: String

    /// - Parameters:
    ///   - serviceName: how the service stack names it (`callback-server`, `admin-server`).
    ///   - listeners: what ``start()`` serves; tests may pass them to ``start(listeners:)`` instead.
    public init(configuration: ServerConfiguration = ServerConfiguration(), logger: Logger,
                observer: ServerObserver = ServerObserver(), heapReturn: HeapReturn = .malloc,
                serviceName: String = "http-server", listeners: [ServerListener] = []) {
        self.serviceName = serviceName
        plannedListeners = listeners
        currentConfiguration = Mutex(configuration)
        self.logger = logger
        self.observer = observer
        heapReturnTrigger = HeapReturnTrigger(drop: configuration.heapReturnDrop)
        self.heapReturn = heapReturn
    }

    /// The cores this process may run on: one event loop each. Not the machine's count
    /// (`activeProcessorCount`): a server held to one core (`taskset -c 1`, systemd's
    /// `CPUAffinity=`) with two loops has them take turns on that core, and a request
    /// waits out the other loop's time slice (issue 24: p99 7 ms against nginx's 1.5 ms
    /// on one core, at the same CPU per request).
    static func usableCores() -> Int {
        var mask = [UInt64](repeating: 0, count: 16)  // 1,024 CPUs, glibc's cpu_set_t
        let status = mask.withUnsafeMutableBytes { sched_getaffinity(0, $0.count, $0.baseAddress) }
        let allowed = mask.reduce(0) { $0 + $1.nonzeroBitCount }
        return status == 0 && allowed > 0 ? allowed : max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Starts the loops on the listeners given at `init` and returns.
    public func start() throws {
        try start(listeners: plannedListeners)
    }

    /// Starts the loops on `listeners` and returns; the loops run until `shutdown`.
    /// When a loop's thread cannot start, the loops already running are shut down again.
    public func start(listeners: [ServerListener]) throws {
        // OpenSSL writes to sockets with plain write(): a client that hangs up mid-answer
        // would raise SIGPIPE, whose default kills the process. The server relies on
        // getting EPIPE instead, so it makes sure, whoever embeds it.
        signal(SIGPIPE, SIG_IGN)
        let count = configuration.loopCount > 0 ? configuration.loopCount : Self.usableCores()
        var started: [EventLoop] = []
        for index in 0..<count {
            started.append(try EventLoop(server: self, index: index, listeners: listeners))
        }
        loops.withLock { $0 = started }
        let name = String(configuration.threadName.utf8.prefix(12)) ?? "vh-loop"
        for loop in started {
            do {
                let thread = try NamedThread.start("\(name)-\(loop.index)") { loop.run() }
                threads.withLock { $0.append(thread) }
            } catch {
                shutdown()
                throw error
            }
        }
    }

    /// The limits and timeouts in force. Loops read it as they go, so an update (SIGHUP)
    /// applies to new requests and to the next timeout check; the loop count and the
    /// connection cap stay as they were at start.
    public var configuration: ServerConfiguration { currentConfiguration.withLock { $0 } }

    public func update(_ configuration: ServerConfiguration) {
        currentConfiguration.withLock { current in
            var updated = configuration
            // The loops and the cap were sized at start; the loops read the cap on every
            // accept, so taking a new one here would change it live behind the settings'
            // back (they say it needs a restart).
            updated.loopCount = current.loopCount
            updated.maxConnections = current.maxConnections
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
        for thread in threads.withLock({ $0 }) { thread.join() }
    }

    public func beginStopping() {
        shutdown()
    }

    public func waitUntilStopped(timeout: Duration) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        return threads.withLock { $0 }.allSatisfy { thread in
            thread.waitUntilFinished(timeout: max(.zero, clock.now.duration(to: deadline)))
        }
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
