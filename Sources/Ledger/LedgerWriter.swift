import Foundation
import Lifecycle
import Synchronization

/// Group commit: one writer thread takes every write waiting, commits them in ONE
/// transaction (one fsync), then answers each.
///
/// `submit` never blocks on the disk, so the server's event-loop threads call it
/// directly; the completion runs later, on the writer thread, after the commit. Keep
/// completions short (hand the answer back to the event loop) and never call ``close()``
/// from one: the writer would wait for itself.
///
/// While a transaction commits, new writes queue; the next transaction takes them all
/// (at most `maxBatchSize`). Under load the batches grow and the fsyncs per callback
/// fall; alone, a callback waits for one commit and no more.
public final class LedgerWriter: Service, Sendable {
    public typealias Completion = @Sendable (Result<LedgerOutcome, LedgerError>) -> Void

    public let ledger: Ledger
    private let queue: LedgerWriteQueue
    private let thread = Mutex<NamedThread?>(nil)

    public var serviceName: String { "ledger-writer" }

    /// A writer whose thread starts with ``start()``; writes submitted before then wait.
    /// - Parameters:
    ///   - maxBatchSize: most writes in one transaction, which bounds how long one
    ///     commit holds the writes behind it.
    ///   - maxPendingWrites: most writes waiting; beyond, `submit` fails at once with
    ///     ``LedgerError/unavailable(reason:)`` (503) instead of queueing without bound
    ///     behind a stalled disk.
    public init(ledger: Ledger, maxBatchSize: Int = 1024, maxPendingWrites: Int = 10_000) {
        precondition(maxBatchSize > 0 && maxPendingWrites > 0, "LedgerWriter limits must be positive")
        self.ledger = ledger
        queue = LedgerWriteQueue(maxBatchSize: maxBatchSize, maxPendingWrites: maxPendingWrites)
    }

    /// Starts the writer thread; a second call does nothing.
    public func start() throws {
        try thread.withLock { thread in
            guard thread == nil else { return }
            let queue = self.queue
            let ledger = self.ledger
            thread = try NamedThread.start("vh-ledger") { queue.drain(into: ledger) }
        }
    }

    /// Refuses new writes (503) and lets the thread commit what is queued, then end.
    public func beginStopping() {
        queue.close(waitForDrain: false)
    }

    public func waitUntilStopped(timeout: Duration) -> Bool {
        guard let running = thread.withLock({ $0 }) else { return true }
        return running.waitUntilFinished(timeout: timeout)
    }

    deinit {
        queue.close(waitForDrain: false)
    }

    /// Queues a write; `completion` runs once it is committed, or failed.
    public func submit(_ write: LedgerWrite, completion: @escaping Completion) {
        if let refusal = queue.enqueue(write, completion) {
            completion(.failure(refusal))
        }
    }

    /// Queues a write and waits for its commit.
    public func submit(_ write: LedgerWrite) async -> Result<LedgerOutcome, LedgerError> {
        await withCheckedContinuation { continuation in
            submit(write) { continuation.resume(returning: $0) }
        }
    }

    /// Writes waiting for the writer thread, for metrics.
    public var pendingCount: Int { queue.pendingCount }

    /// Commits what is queued, then stops the writer thread and returns. Writes
    /// submitted afterwards fail with ``LedgerError/unavailable(reason:)``.
    public func close() {
        guard thread.withLock({ $0 }) != nil else {
            // Never started: nothing drains, so nothing is waited for.
            queue.close(waitForDrain: false)
            return
        }
        queue.close(waitForDrain: true)
    }
}
