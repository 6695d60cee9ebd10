@testable import APIClient
import Foundation
import Testing

@Suite("Waiting before asking again")
struct RetryPolicyTests {
    @Test("Retry-After in seconds, as an HTTP date, or in the API's fallback suggestion")
    func retryAfterForms() {
        let now = Date(timeIntervalSince1970: 1_761_313_744)
        #expect(RetryAfter.seconds(header: "12", fallbackSuggestion: nil) == 12)
        #expect(RetryAfter.seconds(header: " 0 ", fallbackSuggestion: "retry after 9 seconds") == 0)
        let date = "Fri, 24 Oct 2025 13:49:34 GMT" // 30 s after `now`
        #expect(RetryAfter.seconds(header: date, fallbackSuggestion: nil, now: now) == 30)
        #expect(RetryAfter.seconds(header: nil, fallbackSuggestion: "retry after 60 seconds") == 60)
        #expect(RetryAfter.seconds(header: nil, fallbackSuggestion: "Retry after 2 minutes") == 120)
        #expect(RetryAfter.seconds(header: nil, fallbackSuggestion: "retry after 30s") == 30)
        #expect(RetryAfter.seconds(header: "soon", fallbackSuggestion: "try again later") == nil)
        #expect(RetryAfter.seconds(header: "-3", fallbackSuggestion: nil) == nil)
    }

    @Test("The client's backoff doubles to its ceiling, never below what the API asked, and stops at the last attempt")
    func clientBackoff() {
        let policy = APIRetryPolicy(maxAttempts: 5, baseDelay: 1, maxDelay: 4, longestWait: 100)
        let top: (ClosedRange<Double>) -> Double = { $0.upperBound }
        let bottom: (ClosedRange<Double>) -> Double = { $0.lowerBound }
        #expect((1...4).map { policy.delay(afterAttempt: $0, retryAfter: nil, random: top) } == [1, 2, 4, 4])
        #expect((1...4).map { policy.delay(afterAttempt: $0, retryAfter: nil, random: bottom) } == [0.5, 1, 2, 2])
        #expect(policy.delay(afterAttempt: 5, retryAfter: nil) == nil)
        #expect(policy.delay(afterAttempt: 1, retryAfter: 9, random: top) == 9)
        #expect(policy.delay(afterAttempt: 1, retryAfter: 100, random: top) == 100)
        #expect(policy.delay(afterAttempt: 1, retryAfter: 100.5, random: top) == nil)
        #expect(APIRetryPolicy.once.delay(afterAttempt: 1, retryAfter: nil) == nil)
    }
}
