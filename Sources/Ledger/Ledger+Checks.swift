import Foundation
import VideoAPI

/// The reconciler's side of the ledger: which tasks to ask the video API about, when
/// to ask again, and what the API said about a `completed` callback. The schedule lives
/// here, not in memory, so a restart picks up where the last run stopped.
extension Ledger {
    /// Tasks to ask the API about, verifications first, then the overdue ones, soonest
    /// due first.
    ///
    /// A verification is due at once, then at its `next_check_at`. A task with no
    /// terminal state is due at its expected end (`created` + estimated time + grace),
    /// then at its `next_check_at`. With `ignoringBackoff` (`videohookd reconcile`, run by
    /// hand) every overdue task is due, whatever its backoff. A task whose checks ended
    /// (``endExpiredChecks(schedule:now:)``) is never due.
    public func tasksToCheck(schedule: TaskCheckSchedule, now: Date = Date(), limit: Int = 100,
                             ignoringBackoff: Bool = false) throws(LedgerError) -> [TaskCheck] {
        let backoff = ignoringBackoff ? "NULL" : "next_check_at"
        // `verifying` is 1 or 0, never NULL (which SQLite sorts last and PostgreSQL
        // first); `due` is filtered outside the SELECT that names it, as standard SQL
        // (and PostgreSQL) wants.
        let sql = """
            SELECT * FROM (
                SELECT id, status, created, first_seen, estimated_time, results, check_attempts, submitted_by_us,
                       CASE WHEN verification = 'pending' THEN 1 ELSE 0 END AS verifying,
                       CASE WHEN verification = 'pending' THEN coalesce(\(backoff), 0)
                            ELSE coalesce(\(backoff), coalesce(created, first_seen) + coalesce(estimated_time, ?) + ?)
                       END AS due
                FROM tasks
                WHERE checks_ended_at IS NULL AND (verification = 'pending' OR status IN ('pending', 'processing'))
            ) AS awaited
            WHERE due <= ?
            ORDER BY verifying DESC, due, id
            LIMIT ?
            """
        return try readTransaction { db in
            try db.fetchAll(sql: sql, arguments: [schedule.defaultEstimatedTime, schedule.grace,
                                                      now.timeIntervalSince1970, limit]).map(Self.taskCheck(row:))
        }
    }

    /// When the next check falls due, for the reconciler's sleep; nil when none is awaited.
    public func nextCheckDue(schedule: TaskCheckSchedule) throws(LedgerError) -> Date? {
        try readTransaction { db in
            try db.fetchScalar(Double.self, sql: """
                SELECT min(CASE WHEN verification = 'pending' THEN coalesce(next_check_at, 0)
                                ELSE coalesce(next_check_at, coalesce(created, first_seen) + coalesce(estimated_time, ?) + ?)
                           END)
                FROM tasks
                WHERE checks_ended_at IS NULL AND (verification = 'pending' OR status IN ('pending', 'processing'))
                """, arguments: [schedule.defaultEstimatedTime, schedule.grace]).map(Date.init(timeIntervalSince1970:))
        }
    }

    /// Stops asking about the tasks whose link would have expired by now (`created` +
    /// link lifetime) and returns them, each once: an answer could only name a dead link.
    public func endExpiredChecks(schedule: TaskCheckSchedule, now: Date = Date()) throws(LedgerError) -> [TaskCheck] {
        try writeTransaction { db in
            let rows = try db.fetchAll(sql: """
                SELECT id, status, created, first_seen, estimated_time, results, check_attempts, submitted_by_us,
                       CASE WHEN verification = 'pending' THEN 1 ELSE 0 END AS verifying
                FROM tasks
                WHERE checks_ended_at IS NULL AND (verification = 'pending' OR status IN ('pending', 'processing'))
                      AND coalesce(created, first_seen) + ? <= ?
                ORDER BY id
                """, arguments: [schedule.linkLifetime, now.timeIntervalSince1970])
            let expired = try rows.map(Self.taskCheck(row:))
            for task in expired {
                let note = task.reason == .verification
                    ? "gave up: the API did not confirm the callback before the link expired; nothing was downloaded"
                    : "gave up: no terminal state before the link would have expired"
                try db.execute(sql: """
                    UPDATE tasks SET checks_ended_at = ?, next_check_at = NULL, last_check_note = ? WHERE id = ?
                    """, arguments: [now.timeIntervalSince1970, note, task.taskID.rawValue])
            }
            return expired
        }
    }

    /// Records one question to the API that leaves the task awaited: how many so far,
    /// when to ask next, and what the answer was.
    public func scheduleCheck(taskID: TaskID, attempts: Int, nextCheckAt: Date, note: String,
                              now: Date = Date()) throws(LedgerError) {
        try writeTransaction { db in
            try db.execute(sql: """
                UPDATE tasks SET check_attempts = ?, next_check_at = ?, last_checked_at = ?, last_check_note = ?
                WHERE id = ?
                """, arguments: [attempts, nextCheckAt.timeIntervalSince1970, now.timeIntervalSince1970,
                                 Self.clipped(note, to: limits.maxTextBytes), taskID.rawValue])
        }
    }

    /// Records the last question about a task that needs no other: the task ended, or
    /// the API gave an answer that will not change (no such task).
    public func endChecks(taskID: TaskID, note: String, now: Date = Date()) throws(LedgerError) {
        try writeTransaction { db in
            try db.execute(sql: """
                UPDATE tasks SET next_check_at = NULL, last_checked_at = ?, last_check_note = ?,
                                 checks_ended_at = coalesce(checks_ended_at, ?)
                WHERE id = ?
                """, arguments: [now.timeIntervalSince1970, Self.clipped(note, to: limits.maxTextBytes),
                                 now.timeIntervalSince1970, taskID.rawValue])
        }
    }

    /// Records the API's verdict on a `completed` callback awaiting verification. When the
    /// verdict carries the API's completed answer, the task takes its result URLs and body
    /// and its download is queued from the API's video URL. Returns whether a download
    /// job was created: false when the task was no longer awaiting verification (another
    /// reconciler got there first) or already had a job.
    @discardableResult
    public func recordVerification(_ verdict: VerificationVerdict, now: Date = Date()) throws(LedgerError) -> Bool {
        let id = verdict.taskID.rawValue
        let seconds = now.timeIntervalSince1970
        let queued = try writeTransaction { db in
            try db.execute(sql: """
                UPDATE tasks SET verification = ?, verification_note = ?, next_check_at = NULL,
                                 last_checked_at = ?, last_check_note = ?, checks_ended_at = ?
                WHERE id = ? AND verification = 'pending'
                """, arguments: [verdict.verification.rawValue, verdict.note.map { Self.clipped($0, to: limits.maxTextBytes) },
                                 seconds, verdict.note ?? "the API confirmed the callback", seconds, id])
            guard try db.changesCount == 1 else { return false }
            guard let answer = verdict.apiAnswer, answer.status == .completed, let videoURL = answer.videoURL else {
                return false
            }
            try db.execute(sql: "UPDATE tasks SET results = ?, last_body = ? WHERE id = ?",
                           arguments: [try Self.resultsJSON(answer.results), answer.rawBody, id])
            return try Self.queueDownload(id, from: videoURL, in: db, now: seconds)
        }
        if queued { outboxHook.fire() }
        return queued
    }

    /// Without an API key nothing can confirm a callback: the completed tasks still
    /// awaiting verification (from a run that had a key) are queued as they came, marked
    /// `unverified`. Returns their ids.
    public func releasePendingVerifications(now: Date = Date()) throws(LedgerError) -> [TaskID] {
        let seconds = now.timeIntervalSince1970
        let released = try writeTransaction { db in
            let rows = try db.fetchAll(sql: """
                SELECT id, results FROM tasks WHERE verification = 'pending' AND status = 'completed' ORDER BY id
                """)
            var released: [TaskID] = []
            for row in rows {
                let id: String = row["id"]
                let results = try row.results("results")
                try db.execute(sql: """
                    UPDATE tasks SET verification = 'unverified', next_check_at = NULL, checks_ended_at = ? WHERE id = ?
                    """, arguments: [seconds, id])
                if let video = results.first {
                    _ = try Self.queueDownload(id, from: video, in: db, now: seconds)
                }
                if let taskID = TaskID(id) { released.append(taskID) }
            }
            return released
        }
        if !released.isEmpty { outboxHook.fire() }
        return released
    }

    private static func taskCheck(row: SQLRow) throws -> TaskCheck {
        let raw = try row.text("id")
        guard let id = TaskID(raw) else {
            throw LedgerError.readFailed(reason: "the task id \"\(raw)\" in the ledger is not a safe id")
        }
        let results = try row.results("results")
        let verifying: Bool = row["verifying"] ?? false
        return TaskCheck(taskID: id, reason: verifying ? .verification : .overdue, status: try row.taskStatus("status"),
                         created: row["created"], firstSeen: try row.date("first_seen"),
                         estimatedTime: row["estimated_time"], results: results,
                         attempts: row["check_attempts"] ?? 0, submittedByUs: row["submitted_by_us"] ?? false)
    }
}
