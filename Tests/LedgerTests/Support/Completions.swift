import Dispatch
import Ledger
import Synchronization

/// Collects the results of `LedgerWriter.submit` completions, from whatever thread.
final class Completions: Sendable {
    private let results = Mutex<[Result<LedgerOutcome, LedgerError>]>([])
    private let group = DispatchGroup()

    /// A completion to pass to `submit`; call once per submission.
    func expectOne() -> LedgerWriter.Completion {
        group.enter()
        return { result in
            self.results.withLock { $0.append(result) }
            self.group.leave()
        }
    }

    /// Waits for every completion handed out so far; false on timeout.
    func wait(seconds: Double = 30) -> Bool {
        group.wait(timeout: .now() + seconds) == .success
    }

    var all: [Result<LedgerOutcome, LedgerError>] { results.withLock { $0 } }

    var outcomes: [EventOutcome] {
        all.compactMap { try? $0.get().event }
    }

    var failures: [LedgerError] {
        all.compactMap { if case .failure(let error) = $0 { error } else { nil } }
    }
}
