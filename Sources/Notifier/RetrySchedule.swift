/// When to try a delivery again (`notify.retry_delays`): the n-th failure waits the n-th
/// delay, ±20% so that many deliveries that failed together do not come back together;
/// a receiver's `Retry-After` (on 429 or 503) is the least wait. After the last delay
/// the delivery has failed for good.
public struct RetrySchedule: Sendable, Equatable {
    public var delays: [Duration]
    public var jitter: Double

    public init(delays: [Duration], jitter: Double = 0.2) {
        self.delays = delays
        self.jitter = jitter
    }

    /// Seconds to wait after failed attempt `attempt` (1 for the first), or nil when the
    /// schedule is spent. `random` picks in a range (a parameter so tests can pin it).
    public func delay(afterAttempt attempt: Int, retryAfter: Double? = nil,
                      random: (ClosedRange<Double>) -> Double = { Double.random(in: $0) }) -> Double? {
        guard attempt >= 1, attempt <= delays.count else { return nil }
        let (seconds, attoseconds) = delays[attempt - 1].components
        let base = Double(seconds) + Double(attoseconds) / 1e18
        let jittered = base * random((1 - jitter)...(1 + jitter))
        return max(jittered, retryAfter ?? 0)
    }
}
