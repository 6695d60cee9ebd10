/// When to try a failed download again: exponential backoff with "equal jitter" (half
/// the delay fixed, half random), so many jobs failing together spread out again,
/// never sooner than a server's `Retry-After`, never later than `maximum`.
struct RetryBackoff: Sendable {
    var base: Double
    var maximum: Double

    /// The delay in seconds after `attempt` failed attempts (1 for the first).
    func delay(afterAttempt attempt: Int, retryAfter: Double? = nil,
               random: (ClosedRange<Double>) -> Double = { Double.random(in: $0) }) -> Double {
        let exponent = Double(min(max(attempt - 1, 0), 40))
        let ceiling = min(maximum, base * pow2(exponent))
        var delay = ceiling / 2 + random(0...(ceiling / 2))
        if let retryAfter { delay = max(delay, min(retryAfter, maximum)) }
        return delay
    }

    private func pow2(_ exponent: Double) -> Double {
        var value = 1.0
        for _ in 0..<Int(exponent) { value *= 2 }
        return value
    }
}
