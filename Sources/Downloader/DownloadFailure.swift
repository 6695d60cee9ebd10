import HTTPClient

/// Why an attempt ended without a complete file, sorted by what happens next.
struct DownloadFailure: Error, Sendable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        /// Worth another try later (reset, stall, 5xx, a refused TLS handshake, a short
        /// body): backoff with jitter until the link expires.
        case temporary
        /// Will not get better (404, a policy refusal, too large, not a video): the job
        /// fails now.
        case permanent
        /// 403 or 410 on the link: expired or revoked. Permanent unless a fresh link can
        /// be asked of the video API.
        case linkRefused
        /// The daemon is stopping; the partial file and its offset are saved.
        case stopped
        /// The archive's disk is short of its reserve; the pool pauses.
        case diskFull
        /// The archive destination refused (a bucket's credentials, a busy service) after
        /// the video was whole on disk: retried with backoff, whatever the link's expiry.
        case archiveWaiting
    }

    var kind: Kind
    var reason: String
    /// A server's `Retry-After`, the least delay before the next try.
    var retryAfter: Double?
    /// For `diskFull`: the bytes the job still has to write, so the pool waits until
    /// they fit above the reserve instead of trying again at every poll.
    var bytesNeeded: Int64?

    init(_ kind: Kind, _ reason: String, retryAfter: Double? = nil, bytesNeeded: Int64? = nil) {
        self.kind = kind
        self.reason = reason
        self.retryAfter = retryAfter
        self.bytesNeeded = bytesNeeded
    }

    static func temporary(_ reason: String, retryAfter: Double? = nil) -> DownloadFailure {
        DownloadFailure(.temporary, reason, retryAfter: retryAfter)
    }

    static func permanent(_ reason: String) -> DownloadFailure { DownloadFailure(.permanent, reason) }

    static let stopped = DownloadFailure(.stopped, "the daemon is stopping")

    var description: String { reason }
}

extension DownloadFailure: HTTPClientFailureConvertible {
    /// The client's failure as the download's: a cancelled request is the daemon stopping.
    init(_ failure: HTTPClientFailure) {
        switch failure.kind {
        case .temporary: self.init(.temporary, failure.reason)
        case .permanent: self.init(.permanent, failure.reason)
        case .cancelled: self = .stopped
        }
    }
}

extension DownloadFailure {
    /// The destination's failure as the download's.
    init(_ failure: ArchiveFailure) {
        switch failure.kind {
        case .temporary: self.init(.temporary, failure.reason)
        case .permanent: self.init(.permanent, failure.reason)
        case .diskFull(let needed): self.init(.diskFull, failure.reason, bytesNeeded: needed > 0 ? needed : nil)
        case .waiting: self.init(.archiveWaiting, failure.reason)
        case .stopped: self = .stopped
        }
    }
}
