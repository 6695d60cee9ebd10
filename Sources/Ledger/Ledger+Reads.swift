import Foundation
import VideoAPI

extension Ledger {
    /// Tasks, newest first, optionally only those in one status.
    public func tasks(status: TaskStatus? = nil, limit: Int? = nil) throws(LedgerError) -> [TaskSummary] {
        var sql = """
            SELECT t.id, t.status, t.progress, t.created, t.model, t.error_code, t.first_seen,
                   t.last_seen, j.state AS download_state
            FROM tasks t LEFT JOIN download_jobs j ON j.task_id = t.id
            """
        var arguments: SQLArguments = []
        if let status {
            sql += " WHERE t.status = ?"
            arguments += [status.rawValue]
        }
        sql += " ORDER BY t.first_seen DESC, t.id"
        if let limit {
            sql += " LIMIT ?"
            arguments += [limit]
        }
        return try readTransaction { db in
            try db.fetchAll(sql: sql, arguments: arguments).map(TaskSummary.init(row:))
        }
    }

    /// The task's story: its events, its download job and attempts, its object upload and
    /// its notifications; nil when the ledger has no such task.
    public func task(id: TaskID) throws(LedgerError) -> TaskDetail? {
        try readTransaction { db in
            guard let row = try db.fetchOne(sql: "SELECT * FROM tasks WHERE id = ?",
                                             arguments: [id.rawValue]) else { return nil }
            let events = try db.fetchAll(sql: "SELECT * FROM events WHERE task_id = ? ORDER BY first_seen, id",
                arguments: [id.rawValue]
            ).map(EventRecord.init(row:))
            let job = try db.fetchOne(sql: "SELECT * FROM download_jobs WHERE task_id = ?",
                                       arguments: [id.rawValue]).map(DownloadJobRecord.init(row:))
            let attempts = try db.fetchAll(sql: "SELECT * FROM download_attempts WHERE task_id = ? ORDER BY id",
                                           arguments: [id.rawValue]).map(DownloadAttemptRecord.init(row:))
            return TaskDetail(task: try TaskRecord(row: row), events: events, downloadJob: job,
                              downloadAttempts: attempts,
                              objectUpload: try ObjectUploadRecord.fetch(taskID: id.rawValue, in: db),
                              notifications: try Self.notificationEvents(taskID: id.rawValue, in: db))
        }
    }

    public func counts() throws(LedgerError) -> LedgerCounts {
        try readTransaction { db in
            var tasks = Dictionary(uniqueKeysWithValues: TaskStatus.allCases.map { ($0, 0) })
            for row in try db.fetchAll(sql: "SELECT status, count(*) AS n FROM tasks GROUP BY status") {
                tasks[try row.taskStatus("status")] = row["n"]
            }
            var jobs = Dictionary(uniqueKeysWithValues: DownloadJobState.allCases.map { ($0, 0) })
            for row in try db.fetchAll(sql: "SELECT state, count(*) AS n FROM download_jobs GROUP BY state") {
                jobs[try row.jobState("state")] = row["n"]
            }
            let events = try db.fetchOne(sql: "SELECT count(*) AS n, coalesce(sum(duplicate_count), 0) AS d FROM events")
            return LedgerCounts(
                tasksByStatus: tasks,
                events: events?["n"] ?? 0,
                duplicates: events?["d"] ?? 0,
                downloadJobsByState: jobs,
                unrecognizedCallbacks: try db.fetchScalar(Int.self, sql: "SELECT count(*) FROM unrecognized_callbacks") ?? 0,
                rejectedBodies: try db.fetchScalar(Int.self, sql: "SELECT count(*) FROM rejected_bodies") ?? 0)
        }
    }

    /// The most recent unrecognized bodies, newest first.
    public func unrecognizedCallbacks(limit: Int = 100) throws(LedgerError) -> [StoredBodyRecord] {
        try readTransaction { db in
            try db.fetchAll(sql: "SELECT * FROM unrecognized_callbacks ORDER BY id DESC LIMIT ?",
                             arguments: [limit]).map(StoredBodyRecord.init(row:))
        }
    }

    /// The most recent rejected bodies, newest first.
    public func rejectedBodies(limit: Int = 100) throws(LedgerError) -> [StoredBodyRecord] {
        try readTransaction { db in
            try db.fetchAll(sql: "SELECT * FROM rejected_bodies ORDER BY id DESC LIMIT ?",
                             arguments: [limit]).map(StoredBodyRecord.init(row:))
        }
    }
}
