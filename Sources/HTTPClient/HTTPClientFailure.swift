/// Why an exchange ended without a whole answer, sorted by what a caller can do next.
/// Callers with failures of their own (the downloader's disk, the API client's retry
/// rules) convert it through ``HTTPClientFailureConvertible``.
public struct HTTPClientFailure: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Worth another try later: a reset, a stall, a refused handshake, a short answer.
        case temporary
        /// Will not get better by asking again: a URL the policy refuses for good, a
        /// redirect the caller refused, an answer larger than allowed.
        case permanent
        /// ``ConnectionCanceller/cancel()`` ended it: the caller is stopping.
        case cancelled
    }

    public var kind: Kind
    public var reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public static func temporary(_ reason: String) -> HTTPClientFailure { HTTPClientFailure(.temporary, reason) }
    public static func permanent(_ reason: String) -> HTTPClientFailure { HTTPClientFailure(.permanent, reason) }
    public static let cancelled = HTTPClientFailure(.cancelled, "the request was cancelled")

    public var description: String { reason }
}

/// A caller's own failure type that a client failure turns into, so that a body can be
/// streamed into a sink that throws the caller's errors (a full disk) with one typed
/// `throws` for both.
public protocol HTTPClientFailureConvertible: Error {
    init(_ failure: HTTPClientFailure)
}

extension HTTPClientFailure: HTTPClientFailureConvertible {
    public init(_ failure: HTTPClientFailure) { self = failure }
}
