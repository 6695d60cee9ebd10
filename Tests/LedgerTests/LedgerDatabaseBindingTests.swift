import Foundation
import Testing
@testable import Ledger
import TestSupport

/// The arguments a statement binds, on either backend: on SQLite they are bound with
/// `sqlite3_bind_*` directly (issue 24), so each kind of value is checked to come back
/// as it went in, and a wrong count to fail as an error rather than a crash.
@Suite("Ledger statements bind their arguments")
struct LedgerDatabaseBindingTests {
    let directory = TemporaryDirectory()

    static let insert = """
        INSERT INTO rejected_bodies (received_at, peer, status_code, reason, path, body, body_length)
        VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id
        """

    @Test("each kind of value comes back as it was bound, the same statement run again with others")
    func valuesRoundTrip() throws {
        let ledger = try directory.openLedger()
        let rows: [(Double, String, Int, String, Data, Int64)] = [
            (1.5, "127.0.0.1", 403, "réason ✓ 𝄞", Data([0, 1, 0xFF, 0]), .max),
            (-0.25, "", 0, "a\"quote' and \\", Data("{}".utf8), .min),
            (1e300, "::1", 599, String(repeating: "x", count: 100_000), Data(repeating: 7, count: 70_000), 0),
        ]
        let ids = try ledger.testWrite { db in
            try rows.map { row in
                try Ledger.insertedID(try db.fetchOne(sql: Self.insert, arguments: [
                    row.0, row.1, row.2, row.3, "/callbacks/<token>", row.4, row.5,
                ]))
            }
        }
        for (id, row) in zip(ids, rows) {
            let read = try #require(try ledger.testRead { db in
                try db.fetchOne(sql: "SELECT received_at, peer, status_code, reason, body, body_length FROM rejected_bodies WHERE id = ?",
                                arguments: [id])
            })
            #expect(read["received_at"] as Double? == row.0)
            #expect(read["peer"] as String? == row.1, "an empty string stays a string, not NULL")
            #expect(read["status_code"] as Int? == row.2)
            #expect(read["reason"] as String? == row.3)
            #expect(read["body"] as Data? == row.4)
            #expect(read["body_length"] as Int64? == row.5)
        }
        // NULL where the column allows it, and a Bool as 0 or 1.
        let flags = try ledger.testWrite { db -> [SQLRow] in
            try db.execute(sql: "INSERT INTO tasks (id, status, first_seen, last_seen, model, submitted_by_us) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: ["t1", "pending", 1.0, 1.0, nil, true])
            return try db.fetchAll(sql: "SELECT model, submitted_by_us FROM tasks WHERE id = ?", arguments: ["t1"])
        }
        #expect(flags.count == 1 && flags[0]["model"] as String? == nil && flags[0]["submitted_by_us"] as Bool? == true)
    }

    @Test("too few or too many arguments fail as an error, and the statement runs afterwards")
    func wrongCount() throws {
        let ledger = try directory.openLedger()
        for arguments: SQLArguments in [[1.0, "peer"], [1.0, "p", 400, "r", "/", Data([1]), 1, "one more"]] {
            #expect(throws: (any Error).self, "\(arguments.count) arguments for 7 placeholders") {
                try ledger.testWrite { db in _ = try db.fetchOne(sql: Self.insert, arguments: arguments) }
            }
        }
        let id = try ledger.testWrite { db in
            try Ledger.insertedID(try db.fetchOne(sql: Self.insert, arguments: [1.0, "p", 400, "r", "/", Data([1]), 1]))
        }
        #expect(try ledger.testCount("SELECT count(*) FROM rejected_bodies WHERE id = ?", arguments: [id]) == 1)
    }

    @Test("a statement refused by a constraint can be run again at once with good values")
    func afterRefusal() throws {
        let ledger = try directory.openLedger()
        let insert = "INSERT INTO tasks (id, status, first_seen, last_seen) VALUES (?, ?, ?, ?)"
        try ledger.testWrite { db in
            try db.execute(sql: insert, arguments: ["t1", "pending", 1.0, 1.0])
            #expect(throws: (any Error).self) {
                try db.inSavepoint { try db.execute(sql: insert, arguments: ["t1", "pending", 1.0, 1.0]) }
            }
            try db.execute(sql: insert, arguments: ["t2", "completed", 2.0, 2.0])
        }
        #expect(try ledger.testCount("SELECT count(*) FROM tasks") == 2)
    }
}
