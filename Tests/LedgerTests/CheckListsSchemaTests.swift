import Foundation
import Testing
@testable import Ledger
import TestSupport
import VideoAPI

/// Migration `v9-check-lists`: SQLite's list checks become chains of equalities (the
/// same predicate, checked without a temporary B-tree per written row, issue 24);
/// PostgreSQL records the migration and runs nothing.
@Suite("Migration v9-check-lists")
struct CheckListsSchemaTests {
    let directory = TemporaryDirectory()

    @Test("the rewrite turns lists of three or more quoted values into equalities and leaves the rest")
    func rewriteOfText() {
        let sql = """
            CREATE TABLE t (
                status TEXT NOT NULL
                    CHECK (status IN ('pending', 'processing', 'completed')),  -- a comment IN (x)
                flag INTEGER NOT NULL CHECK (flag IN (0, 1)),
                kind TEXT CHECK (kind IN ('a', 'b')),
                verification TEXT CHECK (verification IN ('pending','verified' ,  'unverified'))
            ) STRICT
            """
        #expect(SQLiteCheckLists.rewritten(sql) == """
            CREATE TABLE t (
                status TEXT NOT NULL
                    CHECK ((status = 'pending' OR status = 'processing' OR status = 'completed')),  -- a comment IN (x)
                flag INTEGER NOT NULL CHECK (flag IN (0, 1)),
                kind TEXT CHECK (kind IN ('a', 'b')),
                verification TEXT CHECK ((verification = 'pending' OR verification = 'verified' OR verification = 'unverified'))
            ) STRICT
            """)
    }

    @Test("a v8 ledger upgrades: its rows stay, no list check is left, the checks still refuse, no insert of a callback builds a temporary B-tree")
    func migrationFromV8() throws {
        try directory.prepareLedger(upTo: "v8-download-attempts", then: """
            INSERT INTO tasks (id, status, created, first_seen, last_seen) VALUES ('t-old', 'completed', 100, 1, 1);
            INSERT INTO download_jobs (task_id, state, source_url, deadline, next_attempt_at, bytes_done,
                                       created_at, updated_at)
            VALUES ('t-old', 'queued', 'https://cdn.example.com/v.mp4', 86500, 1, 0, 1, 2);
            """)
        let ledger = try directory.openLedger()
        #expect(try ledger.appliedMigrations().last == "v9-check-lists")
        #expect(try ledger.downloadJob(taskID: "t-old")?.sourceURL == "https://cdn.example.com/v.mp4")
        // A new callback is recorded as before.
        let outcome = try ledger.record(try TaskBody.event(id: "t-new", status: .completed))
        guard case .event(let event) = outcome else { Issue.record("not an event: \(outcome)"); return }
        #expect(event.downloadJobCreated)

        for (sql, comment) in [
            ("INSERT INTO tasks (id, status, first_seen, last_seen) VALUES ('t-bad', 'done', 1, 1)", "a task status"),
            ("UPDATE download_jobs SET state = 'stalled' WHERE task_id = 't-old'", "a job state"),
            ("UPDATE tasks SET verification = 'maybe' WHERE id = 't-old'", "a verification"),
            ("UPDATE tasks SET submitted_by_us = 2 WHERE id = 't-old'", "a two-value list, kept as it was"),
        ] {
            expectRefused(ledger, sql, Comment(rawValue: comment))
        }
        // Still allowed: every value the lists named.
        try ledger.testWrite(sql: "UPDATE download_jobs SET state = 'failed' WHERE task_id = 't-old'")
        try ledger.testWrite(sql: "UPDATE tasks SET verification = 'contradicted' WHERE id = 't-old'")

        guard LedgerBackendUnderTest.isSQLite else { return }
        let schema = try ledger.testRead { db in
            try db.fetchAll(sql: "SELECT name, sql FROM sqlite_schema WHERE type = 'table'")
        }
        let lists = try NSRegularExpression(pattern: #"IN \('[^']*'\s*,\s*'[^']*'\s*,"#)
        for row in schema {
            let sql: String = try #require(row["sql"])
            #expect(lists.firstMatch(in: sql, range: NSRange(sql.startIndex..., in: sql)) == nil,
                    "\(row["name"] as String? ?? "?") still checks a list: \(sql)")
        }
        #expect(try ledger.testRead { try $0.fetchAll(sql: "PRAGMA integrity_check") }.compactMap { $0[0] as String? } == ["ok"])
        for table in ["tasks", "events", "download_jobs", "notification_events", "notification_deliveries"] {
            let columns = try ledger.columns(in: table).filter { !["id", "seq"].contains($0) }
            let program = try ledger.testRead { db in
                try db.fetchAll(sql: "EXPLAIN INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))",
                                arguments: SQLArguments(repeating: nil, count: columns.count))
            }
            #expect(!program.contains { ($0[1] as String?) == "OpenEphemeral" }, "an insert into \(table) builds a temporary B-tree")
        }
    }
}
