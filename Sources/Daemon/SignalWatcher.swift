import Glibc
import Lifecycle
import Synchronization

/// Hands SIGTERM, SIGINT and SIGHUP to one closure, on one thread of its own, where the
/// daemon can do anything (log, lock, start a shutdown) that a signal handler may not.
///
/// Call `SignalWatcher.prepareProcess()` first in `main`, before any thread starts: it
/// blocks the watched signals, and threads inherit the mask. The watcher's thread alone
/// unblocks them, so the kernel delivers every one of them there and no other thread sees
/// an `EINTR`. Its C handler only writes the signal and its sender to a pipe
/// (async-signal-safe), and the thread reads the pipe and calls the closure.
///
/// Why not `signalfd` or `DispatchSourceSignal`: Swift's Glibc module does not export
/// `signalfd` (it would take a C target), and `DispatchSourceSignal` on Linux is a
/// signalfd that blocks the signal only in the thread that created it, so a signal the
/// kernel hands to any other thread is lost. The pipe also works when some thread
/// started before `prepareProcess()` (a test runner's, say): the handler runs on that
/// thread instead and writes to the same pipe.
public final class SignalWatcher: Service, Sendable {
    /// The signals the daemon acts on: SIGTERM and SIGINT stop it, SIGHUP reloads.
    public static let handledSignals: [Int32] = [SIGTERM, SIGINT, SIGHUP]

    private struct Running {
        var writeEnd: Int32
        var thread: NamedThread
        var previousActions: [(signal: Int32, action: sigaction)]
    }

    private let signals: [Int32]
    private let handler: @Sendable (ReceivedSignal) -> Void
    /// Set by `start`, taken by `beginStopping`.
    private let running = Mutex<Running?>(nil)
    /// The thread between `beginStopping` and its end, for `waitUntilStopped`.
    private let ending = Mutex<NamedThread?>(nil)

    public var serviceName: String { "signal-watcher" }

    /// Blocks `signals` in the calling thread (and so in every thread it starts later) and
    /// ignores SIGPIPE. Call it first in `main`.
    ///
    /// SIGPIPE: OpenSSL's socket BIO writes with plain `write()`, not `send(MSG_NOSIGNAL)`,
    /// so a peer that closes mid-response would raise SIGPIPE, whose default action kills
    /// the whole daemon. Ignored, the write fails with EPIPE and only that connection ends.
    public static func prepareProcess(blocking signals: [Int32] = handledSignals) {
        var mask = signalSet(signals)
        pthread_sigmask(SIG_BLOCK, &mask, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// A watcher for `signals`; nothing is installed until ``start()``. `handler` runs on
    /// the watcher's thread, one signal at a time; a signal that arrives again before it
    /// is read may count once.
    public init(signals: [Int32] = handledSignals, handler: @escaping @Sendable (ReceivedSignal) -> Void) {
        self.signals = signals
        self.handler = handler
    }

    /// Starts the thread and installs the handlers. One watcher at a time per process.
    public func start() throws(SignalWatcherError) {
        guard signalWatcherIsRunning.compareExchange(
            expected: false, desired: true, ordering: .sequentiallyConsistent
        ).exchanged else {
            throw .anotherWatcherIsRunning
        }
        var pipeEnds: [Int32] = [-1, -1]
        var previousActions: [(signal: Int32, action: sigaction)] = []
        do throws(SystemCallError) {
            try retryingInterrupted("pipe for signals") { pipe(&pipeEnds) }
            for end in pipeEnds {
                try retryingInterrupted("fcntl(F_SETFL, O_NONBLOCK) on the signal pipe") { fcntl(end, F_SETFL, O_NONBLOCK) }
                try retryingInterrupted("fcntl(F_SETFD, FD_CLOEXEC) on the signal pipe") { fcntl(end, F_SETFD, FD_CLOEXEC) }
            }
            signalPipeWriteEnd.store(pipeEnds[1], ordering: .sequentiallyConsistent)
            for signal in signals {
                previousActions.append((signal, try Self.installHandler(for: signal)))
            }
            let context = WatcherThreadContext(readEnd: pipeEnds[0], signals: signals, handler: handler)
            let thread: NamedThread
            do {
                thread = try NamedThread.start("vh-signals") { context.run() }
            } catch {
                throw SystemCallError("pthread_create for the signal watcher", errno: error.errno)
            }
            running.withLock { $0 = Running(writeEnd: pipeEnds[1], thread: thread, previousActions: previousActions) }
        } catch {
            Self.restore(previousActions)
            Self.detachHandlers()
            for end in pipeEnds where end >= 0 { close(end) }
            signalWatcherIsRunning.store(false, ordering: .sequentiallyConsistent)
            throw .systemCall(error)
        }
    }

    deinit {
        stop()
    }

    /// The watcher's thread while it runs, for tests that signal it alone.
    var thread: pthread_t? {
        running.withLock { $0?.thread.handle }
    }

    /// Gives the signals back their previous dispositions and ends the thread. From any
    /// thread but the watcher's own, it returns once the thread has ended, so the handler
    /// is not called afterwards. Safe to call more than once.
    public func stop() {
        beginStopping()
        ending.withLock { $0 }?.join()
    }

    /// Gives the signals back their previous dispositions and tells the thread to end
    /// after the signals already read. Returns at once.
    public func beginStopping() {
        guard let stopped = running.withLock({ running in
            defer { running = nil }
            return running
        }) else { return }
        Self.restore(stopped.previousActions)
        Self.detachHandlers()
        ending.withLock { $0 = stopped.thread }
        // End of file on the pipe tells the thread to end, after the records before it.
        close(stopped.writeEnd)
        // Another watcher may start now: this one's handlers are gone, and its thread
        // reads only its own pipe.
        signalWatcherIsRunning.store(false, ordering: .sequentiallyConsistent)
    }

    public func waitUntilStopped(timeout: Duration) -> Bool {
        guard let thread = ending.withLock({ $0 }) else { return true }
        // On its own thread (a handler that stops the watcher) it ends once the handler returns.
        return thread.isCurrent || thread.waitUntilFinished(timeout: timeout)
    }

    static func signalSet(_ signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        return set
    }

    private static func installHandler(for signal: Int32) throws(SystemCallError) -> sigaction {
        var action = sigaction()
        action.__sigaction_handler.sa_sigaction = writeSignalToPipe
        // SA_RESTART: a thread that has not blocked the signal resumes its read or write
        // instead of failing with EINTR.
        action.sa_flags = SA_SIGINFO | SA_RESTART
        sigfillset(&action.sa_mask)
        var previous = sigaction()
        try retryingInterrupted("sigaction(\(signal))") { sigaction(signal, &action, &previous) }
        return previous
    }

    private static func restore(_ previousActions: [(signal: Int32, action: sigaction)]) {
        for (signal, action) in previousActions {
            var action = action
            sigaction(signal, &action, nil)
        }
    }

    /// Points the handlers at no pipe, then waits out any handler already past that
    /// check, so the write end can be closed without a handler writing to a reused fd.
    private static func detachHandlers() {
        signalPipeWriteEnd.store(-1, ordering: .sequentiallyConsistent)
        while signalHandlersRunning.load(ordering: .sequentiallyConsistent) > 0 { sched_yield() }
    }
}

/// What the C handler writes and the thread reads: one record per signal, 8 bytes, less
/// than PIPE_BUF, so a write never interleaves with another.
struct SignalRecord {
    var signal: Int32
    var senderPID: Int32
}

/// The state the C handler reads. It may touch nothing else: no allocation, no lock.
/// All three are initialized before any handler is installed (`init` uses them first).
private let signalPipeWriteEnd = Atomic<Int32>(-1)
private let signalHandlersRunning = Atomic<Int>(0)
private let signalWatcherIsRunning = Atomic<Bool>(false)

private func writeSignalToPipe(_ signal: Int32, _ info: UnsafeMutablePointer<siginfo_t>?, _: UnsafeMutableRawPointer?) {
    let savedErrno = errno
    signalHandlersRunning.add(1, ordering: .sequentiallyConsistent)
    let writeEnd = signalPipeWriteEnd.load(ordering: .sequentiallyConsistent)
    if writeEnd >= 0 {
        var record = SignalRecord(signal: signal, senderPID: info?.pointee._sifields._kill.si_pid ?? 0)
        // A full pipe drops the record: thousands of unread signals, of three kinds.
        _ = withUnsafeBytes(of: &record) { write(writeEnd, $0.baseAddress, $0.count) }
    }
    signalHandlersRunning.subtract(1, ordering: .sequentiallyConsistent)
    errno = savedErrno
}

/// What the watcher's thread owns: the read end of the pipe and the closure.
private final class WatcherThreadContext: Sendable {
    let readEnd: Int32
    let signals: [Int32]
    let handler: @Sendable (ReceivedSignal) -> Void

    init(readEnd: Int32, signals: [Int32], handler: @escaping @Sendable (ReceivedSignal) -> Void) {
        self.readEnd = readEnd
        self.signals = signals
        self.handler = handler
    }

    func run() {
        defer { close(readEnd) }
        var mask = SignalWatcher.signalSet(signals)
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
        while true {
            var waiting = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            // EINTR here is the signal arriving on this very thread: its record is in the pipe.
            guard poll(&waiting, 1, -1) >= 0 || errno == EINTR else { return }
            while let outcome = readRecord() {
                guard case .record(let record) = outcome else { return }
                handler(ReceivedSignal(number: record.signal, senderPID: record.senderPID))
            }
        }
    }

    private enum ReadOutcome {
        case record(SignalRecord)
        /// End of file (`stop()` closed the write end) or a broken pipe.
        case finished
    }

    /// The next record, or nil when the pipe is empty for now.
    private func readRecord() -> ReadOutcome? {
        while true {
            var record = SignalRecord(signal: 0, senderPID: 0)
            let count: Int = withUnsafeMutableBytes(of: &record) { bytes in read(readEnd, bytes.baseAddress, bytes.count) }
            if count == MemoryLayout<SignalRecord>.size { return .record(record) }
            if count >= 0 { return .finished }
            let code = errno
            if code == EINTR { continue }
            return code == EAGAIN ? nil : .finished
        }
    }
}
