import Testing
@testable import Reconciler

@Suite("The reconciler's backoff")
struct CheckBackoffTests {
    @Test("The reconciler's backoff doubles per question to its maximum, with equal jitter")
    func checkBackoff() {
        let backoff = CheckBackoff(base: 60, maximum: 1800)
        let top: (ClosedRange<Double>) -> Double = { $0.upperBound }
        let bottom: (ClosedRange<Double>) -> Double = { $0.lowerBound }
        #expect((1...7).map { backoff.delay(afterAttempts: $0, random: top) } == [60, 120, 240, 480, 960, 1800, 1800])
        #expect(backoff.delay(afterAttempts: 1, random: bottom) == 30)
        #expect(backoff.delay(afterAttempts: 1_000_000, random: top) == 1800)
        #expect(backoff.delay(afterAttempts: 1, retryAfter: 500, random: top) == 500)
    }
}
