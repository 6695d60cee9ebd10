import APIClient
/// How long the reconciler waits before asking the API about a task again: `base`
/// doubled per question already asked, capped at `maximum`, with "equal jitter" (half
/// fixed, half random) so tasks asked together spread out, and never sooner than the
/// API's own `Retry-After`.
public struct CheckBackoff: Sendable, Equatable {
    public var base: Double
    public var maximum: Double

    public init(base: Double, maximum: Double) {
        precondition(base > 0 && maximum >= base, "backoff needs 0 < base <= maximum")
        self.base = base
        self.maximum = maximum
    }

    /// Seconds to wait after the `attempts`-th question (1 for the first).
    public func delay(afterAttempts attempts: Int, retryAfter: Double? = nil,
                      random: (ClosedRange<Double>) -> Double = { Double.random(in: $0) }) -> Double {
        var ceiling = base
        var step = 1
        while step < attempts && ceiling < maximum {
            ceiling *= 2
            step += 1
        }
        ceiling = min(ceiling, maximum)
        let delay = ceiling / 2 + random(0...(ceiling / 2))
        return max(delay, retryAfter ?? 0)
    }
}
