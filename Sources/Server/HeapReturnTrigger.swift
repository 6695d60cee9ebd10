import Synchronization

/// When to give the heap's free pages back to the kernel: once the open connections have
/// fallen `drop` below their peak since the last time.
///
/// Why: a TLS connection holds about 16 KB of heap (mostly OpenSSL's), freed in the middle
/// of malloc's arenas when it closes, and glibc gives back only the top of an arena. After
/// 10,000 connections had come and gone, the daemon kept 184 MB it no longer used;
/// `malloc_trim` brought it to 38 MB. Steady churn (connections opening as fast as
/// others close) never falls that far below its peak, so a busy server does not trim
/// over and over; the end of a burst does, about once per `drop` connections closed.
/// The last fewer than `drop` to close stay resident until the next burst's end.
///
/// Atomics, not a lock: every accept and every close passes here, on every loop.
final class HeapReturnTrigger: Sendable {
    let drop: Int
    private let peak = Atomic<Int>(0)
    private let pending = Atomic<Bool>(false)

    /// `drop` 0 never triggers.
    init(drop: Int) {
        self.drop = drop
    }

    /// Notes the open count after a connection opened.
    func opened(open: Int) {
        var seen = peak.load(ordering: .relaxed)
        while open > seen {
            let (exchanged, current) = peak.compareExchange(expected: seen, desired: open, ordering: .relaxed)
            if exchanged { return }
            seen = current
        }
    }

    /// Notes the open count after a connection closed. True once per drop: the caller
    /// then returns the memory and calls ``returned(open:)``.
    func closed(open: Int) -> Bool {
        guard drop > 0, peak.load(ordering: .relaxed) - open >= drop else { return false }
        return pending.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
    }

    /// The memory was returned with `open` connections open: the peak starts again there.
    func returned(open: Int) {
        peak.store(open, ordering: .relaxed)
        pending.store(false, ordering: .releasing)
    }
}
