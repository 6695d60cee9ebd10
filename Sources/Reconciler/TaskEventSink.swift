import APIClient
import Dispatch
import Ledger

/// Where the reconciler hands the API's answers: the same path a callback takes into
/// the ledger, so dedup and the state machine judge them exactly as they judge callbacks.
/// In `serve` it is the ``LedgerWriter`` the intake uses (group commit, one writer);
/// in `videohookd reconcile`, the ledger itself.
public protocol TaskEventSink: Sendable {
    func record(_ event: TaskEvent) -> Result<LedgerOutcome, LedgerError>
}

extension LedgerWriter: TaskEventSink {
    /// Queues the event behind the callbacks waiting and waits for its commit. Call it
    /// from a thread that may block, never from the writer's own completions.
    public func record(_ event: TaskEvent) -> Result<LedgerOutcome, LedgerError> {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox()
        submit(.event(event)) { result in
            box.result = result
            done.signal()
        }
        done.wait()
        return box.result ?? .failure(.unavailable(reason: "the ledger writer gave no answer"))
    }
}

extension Ledger: TaskEventSink {
    public func record(_ event: TaskEvent) -> Result<LedgerOutcome, LedgerError> {
        do {
            return .success(try record(.event(event)))
        } catch {
            return .failure(error)
        }
    }
}

/// The writer's answer, handed from its thread to the waiting one.
private final class ResultBox: @unchecked Sendable {
    // Safe without a lock: written once on the writer thread before `signal()`, read
    // once on the waiting thread after `wait()`; the semaphore orders the two.
    var result: Result<LedgerOutcome, LedgerError>?
}
