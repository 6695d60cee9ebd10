/// How the client retries a 429 or a 503 (and a query that got no answer): at most
/// `maxAttempts` sends, waiting between them `baseDelay` doubled per attempt, with
/// jitter, capped at `maxDelay`, and never less than what the API asked for. When the
/// API asks for more than `longestWait`, the client gives up at once and reports the
/// wait instead of sitting on it.
public struct APIRetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    public var baseDelay: Double
    public var maxDelay: Double
    public var longestWait: Double

    public init(maxAttempts: Int = 4, baseDelay: Double = 1, maxDelay: Double = 30, longestWait: Double = 120) {
        precondition(maxAttempts >= 1, "at least one attempt")
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.longestWait = longestWait
    }

    /// One send, no retry: for the reconciler, whose per-task backoff does the waiting.
    public static let once = APIRetryPolicy(maxAttempts: 1)

    /// Seconds to wait after `attempt` (1 for the first) failed, or nil to give up.
    func delay(afterAttempt attempt: Int, retryAfter: Double?,
               random: (ClosedRange<Double>) -> Double = { Double.random(in: $0) }) -> Double? {
        guard attempt < maxAttempts else { return nil }
        if let retryAfter, retryAfter > longestWait { return nil }
        var ceiling = baseDelay
        for _ in 1..<attempt { ceiling = min(maxDelay, ceiling * 2) }
        ceiling = min(maxDelay, ceiling)
        // Half fixed, half random: clients refused together spread out again.
        let backoff = ceiling / 2 + random(0...(ceiling / 2))
        return max(backoff, retryAfter ?? 0)
    }
}
