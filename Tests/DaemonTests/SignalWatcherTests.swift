import Glibc
import Synchronization
import Testing
@testable import Daemon

/// One watcher at a time per process, so these run one after another.
///
/// Two tests signal the whole process with kill(), as systemd and a terminal do. The
/// others signal the watcher's thread alone: in a test process other threads leave the
/// signals unblocked, and a signal that lands on one of them interrupts whatever system
/// call it is in (poll and sleep fail with EINTR even under SA_RESTART), which could
/// upset tests of other modules running alongside.
@Suite("SignalWatcher", .serialized)
struct SignalWatcherTests {
    /// Collects what the handler receives, for the test thread to wait on.
    final class Received: Sendable {
        private let signals = Mutex<[ReceivedSignal]>([])

        func append(_ signal: ReceivedSignal) { signals.withLock { $0.append(signal) } }

        /// Waits until `count` signals arrived, or 5 s.
        func waitFor(_ count: Int) -> [ReceivedSignal] {
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(5)
            while signals.withLock({ $0.count }) < count, clock.now < deadline { usleep(5_000) }
            return signals.withLock { $0 }
        }
    }

    @Test("a real kill(getpid(), SIGHUP) reaches the handler, with our pid as the sender")
    func sighup_ReachesHandler() throws {
        let received = Received()
        let watcher = SignalWatcher { received.append($0) }
        try watcher.start()
        defer { watcher.stop() }
        kill(getpid(), SIGHUP)
        #expect(received.waitFor(1) == [ReceivedSignal(number: SIGHUP, senderPID: getpid())])
    }

    @Test("SIGTERM, SIGINT and SIGHUP each reach the handler, in the order sent, with the sender")
    func everyHandledSignal_ReachesHandler() throws {
        let received = Received()
        let watcher = SignalWatcher { received.append($0) }
        try watcher.start()
        defer { watcher.stop() }
        let thread = try #require(watcher.thread)
        for (index, signal) in [SIGTERM, SIGINT, SIGHUP].enumerated() {
            // Were a handler missing, SIGTERM or SIGINT would end the test process here.
            pthread_kill(thread, signal)
            // Wait for each: a second signal of a kind still pending would merge with the first.
            _ = received.waitFor(index + 1)
        }
        #expect(received.waitFor(3) == [SIGTERM, SIGINT, SIGHUP].map { ReceivedSignal(number: $0, senderPID: getpid()) })
        #expect(received.waitFor(3).map(\.name) == ["SIGTERM", "SIGINT", "SIGHUP"])
    }

    @Test("a second watcher is refused while one runs, and allowed after stop()")
    func secondWatcher_IsRefusedUntilStop() throws {
        let first = SignalWatcher { _ in }
        try first.start()
        #expect(throws: SignalWatcherError.anotherWatcherIsRunning) {
            try SignalWatcher { _ in }.start()
        }
        first.stop()
        let received = Received()
        let second = SignalWatcher { received.append($0) }
        try second.start()
        defer { second.stop() }
        kill(getpid(), SIGHUP)
        #expect(received.waitFor(1).map(\.number) == [SIGHUP])
    }

    @Test("stop() from inside the handler ends the watcher without a deadlock")
    func stopFromHandler_Returns() throws {
        let received = Received()
        let watcherBox = Mutex<SignalWatcher?>(nil)
        let watcher = SignalWatcher { signal in
            watcherBox.withLock { $0 }?.stop()
            received.append(signal)
        }
        watcherBox.withLock { $0 = watcher }
        try watcher.start()
        pthread_kill(try #require(watcher.thread), SIGHUP)
        #expect(received.waitFor(1).count == 1)
        // Stopped from the handler, so a new watcher may start.
        let next = SignalWatcher { _ in }
        try next.start()
        next.stop()
        watcherBox.withLock { $0 = nil }
    }

    @Test("prepareProcess blocks the handled signals in this thread and makes a write to a closed peer fail with EPIPE")
    func prepareProcess_BlocksSignalsAndIgnoresSIGPIPE() throws {
        SignalWatcher.prepareProcess()
        var blocked = sigset_t()
        pthread_sigmask(SIG_BLOCK, nil, &blocked)
        #expect(SignalWatcher.handledSignals.allSatisfy { sigismember(&blocked, $0) == 1 })

        // With SIGPIPE at its default action this write would end the test process.
        var pair: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        close(pair[1])
        defer { close(pair[0]) }
        let byte: [UInt8] = [1]
        let written = write(pair[0], byte, 1)
        let code = errno
        #expect(written == -1)
        #expect(code == EPIPE)
    }
}
