import Foundation
import Logging
import Synchronization
import Transport

/// The HTTP/1.1 server: a few event-loop threads (one per core by default), each
/// accepting from every listener and serving its own connections. No thread per
/// connection: an idle connection costs a descriptor and a small object.
public final class HTTPServer: Sendable {
    public let configuration: ServerConfiguration
    public let logger: Logger
    public let observer: ServerObserver
    private let openCount = Atomic<Int>(0)
    private let loops = Mutex<[EventLoop]>([])

    public init(configuration: ServerConfiguration = ServerConfiguration(), logger: Logger,
                observer: ServerObserver = ServerObserver()) {
        self.configuration = configuration
        self.logger = logger
        self.observer = observer
    }

    /// Starts the loops on `listeners` and returns; the loops run until `shutdown`.
    public func start(listeners: [ServerListener]) throws(SocketError) {
        let count = configuration.loopCount > 0 ? configuration.loopCount : max(1, ProcessInfo.processInfo.activeProcessorCount)
        var started: [EventLoop] = []
        for index in 0..<count {
            started.append(try EventLoop(server: self, index: index, listeners: listeners))
        }
        loops.withLock { $0 = started }
        for loop in started {
            let thread = Thread { loop.run() }
            thread.name = "videohookd-loop-\(loop.index)"
            thread.start()
        }
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
        openCount.wrappingAdd(1, ordering: .relaxed).newValue
    }

    func connectionClosed() {
        openCount.wrappingSubtract(1, ordering: .relaxed)
    }
}
