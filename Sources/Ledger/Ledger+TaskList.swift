import Foundation
import VideoAPI

/// The archive's reads (issue 22): the task list with its filters and cursor, and a
/// task's whole story.
extension Ledger {
    /// One page of tasks, newest first (`first_seen`, then id, both descending).
    public func taskList(_ query: TaskListQuery) throws(LedgerError) -> TaskListPage {
        let limit = min(max(query.limit, 1), TaskListQuery.maxLimit)
        return try readTransaction { db in
            var conditions: [String] = []
            var arguments: SQLArguments = []
            if let status = query.status {
                conditions.append("t.status = ?")
                arguments.append(status.rawValue)
            }
            if let day = query.day {
                conditions.append("coalesce(t.created, t.first_seen) >= ? AND coalesce(t.created, t.first_seen) < ?")
                arguments += [day.start, day.end]
            }
            if let search = query.search, !search.isEmpty {
                let prompt = db.dialect.jsonText("t.request_json", key: "prompt")
                // substr and length rather than LIKE: `_` is in ids and is LIKE's wildcard.
                conditions.append("""
                    (substr(t.id, 1, length(?)) = ? OR (t.submitted_by_us = 1 AND t.request_json IS NOT NULL \
                    AND \(db.dialect.contains("lower(\(prompt))", "lower(?)"))))
                    """)
                arguments += [search, search, search]
            }
            if let after = query.after {
                conditions.append("(t.first_seen < ? OR (t.first_seen = ? AND t.id < ?))")
                arguments += [after.firstSeen, after.firstSeen, after.id]
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let rows = try db.fetchAll(sql: """
                SELECT t.id, t.status, t.progress, t.created, t.model, t.error_code, t.first_seen, t.last_seen,
                       t.submitted_by_us, t.request_json, t.last_body,
                       j.state AS download_state, j.bytes_done, j.bytes_total, j.archive_path, j.content_type,
                       j.last_error
                FROM tasks t LEFT JOIN download_jobs j ON j.task_id = t.id
                \(filter)
                ORDER BY t.first_seen DESC, t.id DESC
                LIMIT ?
                """, arguments: arguments + [limit + 1])
            let tasks = try rows.prefix(limit).map(TaskListItem.init(row:))
            let next = rows.count > limit ? tasks.last?.cursor : nil
            return TaskListPage(tasks: tasks, next: next)
        }
    }

    /// The download's state and progress alone, for a page that follows a running
    /// download; nil when the task has no job (or is unknown).
    public func downloadProgress(taskID: TaskID) throws(LedgerError) -> DownloadProgress? {
        try readTransaction { db in
            try db.fetchOne(sql: """
                SELECT state, bytes_done, bytes_total, archive_path, content_type, last_error
                FROM download_jobs WHERE task_id = ?
                """, arguments: [taskID.rawValue]).map { row in
                DownloadProgress(state: try row.jobState("state"), bytesDone: row["bytes_done"] ?? 0,
                                 bytesTotal: row["bytes_total"], archivePath: row["archive_path"],
                                 contentType: row["content_type"], lastError: row["last_error"])
            }
        }
    }
}
