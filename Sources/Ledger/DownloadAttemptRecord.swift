import Foundation

/// How one download attempt ended.
public enum DownloadAttemptOutcome: String, Sendable, Equatable, CaseIterable, Encodable {
    /// It failed and the job was scheduled again.
    case retry
    /// It failed and the job gave up.
    case failed
    /// The video was archived.
    case done
}

/// One download attempt that ended, for a task's story (`download_attempts`).
public struct DownloadAttemptRecord: Sendable, Equatable, Encodable {
    /// 1 for the first attempt since the job was created or put back by `retry`.
    public var attempt: Int
    public var endedAt: Date
    public var outcome: DownloadAttemptOutcome
    /// Why it failed; nil for `done`.
    public var reason: String?
    /// How much of the video the job held when it ended.
    public var bytesDone: Int64

    enum CodingKeys: String, CodingKey {
        case attempt, endedAt = "ended_at", outcome, reason, bytesDone = "bytes_done"
    }

    init(row: SQLRow) throws {
        attempt = row["attempt"]
        endedAt = try row.date("ended_at")
        let raw = try row.text("outcome")
        guard let outcome = DownloadAttemptOutcome(rawValue: raw) else {
            throw LedgerError.readFailed(reason: "column outcome holds an unknown download outcome \"\(raw)\"")
        }
        self.outcome = outcome
        reason = row["reason"]
        bytesDone = row["bytes_done"]
    }
}
