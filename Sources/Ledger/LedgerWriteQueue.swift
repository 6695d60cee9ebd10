import Dispatch
import Synchronization

/// The writes waiting for the writer thread, and the handshake that wakes it.
///
/// One thread drains; any number enqueue. The writer sleeps on `wakeUp` only after it
/// said so under the lock (`writerIsAsleep`), and an enqueuer signals only when it
/// cleared that flag, so a wake-up is never lost and the semaphore never counts past one.
final class LedgerWriteQueue: Sendable {
    struct Pending: Sendable {
        let write: LedgerWrite
        let completion: LedgerWriter.Completion
    }

    private struct State {
        var pending: [Pending] = []
        var writerIsAsleep = false
        var closed = false
    }

    private let state = Mutex(State())
    private let wakeUp = DispatchSemaphore(value: 0)
    private let drained = DispatchSemaphore(value: 0)
    private let maxBatchSize: Int
    private let maxPendingWrites: Int

    init(maxBatchSize: Int, maxPendingWrites: Int) {
        self.maxBatchSize = maxBatchSize
        self.maxPendingWrites = maxPendingWrites
    }

    var pendingCount: Int { state.withLock { $0.pending.count } }

    /// Queues the write, or returns why it cannot be.
    func enqueue(_ write: LedgerWrite, _ completion: @escaping LedgerWriter.Completion) -> LedgerError? {
        let (refusal, wake) = state.withLock { state -> (LedgerError?, Bool) in
            if state.closed {
                return (.unavailable(reason: "the ledger writer is closed; the daemon is stopping"), false)
            }
            if state.pending.count >= maxPendingWrites {
                return (.unavailable(reason: "\(state.pending.count) writes are already waiting for the disk"), false)
            }
            state.pending.append(Pending(write: write, completion: completion))
            let wake = state.writerIsAsleep
            state.writerIsAsleep = false
            return (nil, wake)
        }
        if wake { wakeUp.signal() }
        return refusal
    }

    /// The writer thread's loop: take what waits, commit it, answer, until closed and empty.
    func drain(into ledger: Ledger) {
        while let batch = nextBatch() {
            let results: [Result<LedgerOutcome, LedgerError>]
            do {
                results = try ledger.record(batch.map(\.write))
            } catch {
                results = Array(repeating: .failure(error), count: batch.count)
            }
            for (pending, result) in zip(batch, results) {
                pending.completion(result)
            }
        }
        drained.signal()
    }

    /// The next writes to commit, sleeping while there are none; nil once closed and empty.
    private func nextBatch() -> [Pending]? {
        while true {
            let batch = state.withLock { state -> [Pending]? in
                if state.pending.isEmpty {
                    if state.closed { return nil }
                    state.writerIsAsleep = true
                    return []
                }
                if state.pending.count <= maxBatchSize {
                    defer { state.pending = [] }
                    return state.pending
                }
                let batch = Array(state.pending.prefix(maxBatchSize))
                state.pending.removeFirst(maxBatchSize)
                return batch
            }
            guard let batch else { return nil }
            if !batch.isEmpty { return batch }
            wakeUp.wait()
        }
    }

    func close(waitForDrain: Bool) {
        let wake = state.withLock { state -> Bool in
            state.closed = true
            let wake = state.writerIsAsleep
            state.writerIsAsleep = false
            return wake
        }
        if wake { wakeUp.signal() }
        if waitForDrain {
            drained.wait()
            // Let a second close, or the deinit after this one, pass too.
            drained.signal()
        }
    }
}
