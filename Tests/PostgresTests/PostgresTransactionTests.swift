import Foundation
import Postgres
import Testing
import TestSupport

/// A connection to a database of its own with an `items` table (a name may not be
/// empty: a way to make one statement of a batch fail).
private func connectWithItems() throws -> PostgresConnection {
    let connection = try PostgresConnection(conninfo: PostgresCluster.shared().createDatabase())
    try connection.execute("CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL CHECK (name <> ''))")
    return connection
}

private func countItems(_ connection: PostgresConnection) throws -> Int64 {
    try connection.execute("SELECT count(*) FROM items").singleRow().decode(Int64.self, at: 0)
}

/// Transactions and pipelines: what commits, what rolls back, and how many round trips
/// a batch takes (read from libpq's protocol trace).
@Suite("PostgresConnection: transactions and pipelines")
struct PostgresTransactionTests {
    private struct Refused: Error {}


    private static func inserts(_ ids: some Sequence<Int>) -> [(String, [PostgresValue?])] {
        ids.map { ("INSERT INTO items VALUES ($1, $2)", [.int($0), .string("item \($0)")]) }
    }

    @Test func transaction_CommitsAndReturnsTheBodysValue() throws {
        let connection = try connectWithItems()
        let name = try connection.transaction {
            try connection.execute("INSERT INTO items VALUES (1, 'one')")
            return try connection.execute("SELECT name FROM items WHERE id = 1").singleRow().decode(String.self, at: 0)
        }
        #expect(name == "one")
        #expect(try countItems(connection) == 1)
    }

    @Test func transaction_RollsBackWhenTheBodyThrows_AndRethrowsItsError() throws {
        let connection = try connectWithItems()
        #expect(throws: Refused.self) {
            try connection.transaction {
                try connection.execute("INSERT INTO items VALUES (1, 'one')")
                throw Refused()
            }
        }
        #expect(try countItems(connection) == 0)
        // No transaction left open: another one starts.
        try connection.transaction { try connection.execute("INSERT INTO items VALUES (2, 'two')") }
        #expect(try countItems(connection) == 1)
    }

    @Test func transaction_WhoseStatementFailedAndWasIgnored_IsNotReportedCommitted() throws {
        let connection = try connectWithItems()
        let error = #expect(throws: PostgresError.self) {
            try connection.transaction {
                try connection.execute("INSERT INTO items VALUES (1, 'one')")
                _ = try? connection.execute("INSERT INTO items VALUES (1, 'again')")
            }
        }
        #expect(error?.message.contains("COMMIT rolled the transaction back (ROLLBACK)") == true)
        #expect(try countItems(connection) == 0)
    }

    @Test func transaction_InsideATransaction_IsRefused() throws {
        let connection = try connectWithItems()
        try connection.transaction {
            let error = #expect(throws: PostgresError.self) { try connection.transaction {} }
            #expect(error?.message == "a transaction is already open on this connection")
        }
    }

    @Test func pipeline_RunsBeginInsertsCommit_InOneRoundTrip() throws {
        let connection = try connectWithItems()
        let trace = TemporaryDirectory()
        try connection.startTrace(path: trace.file("trace"))
        let results = try connection.pipeline([("BEGIN", [])] + Self.inserts(1...200) + [("COMMIT", [])])
        connection.stopTrace()
        #expect(results.count == 202)
        #expect(results.first?.commandTag == "BEGIN")
        #expect(results.dropFirst().dropLast().allSatisfy { $0.commandTag == "INSERT 0 1" })
        #expect(results.last?.commandTag == "COMMIT")
        #expect(try countItems(connection) == 200)
        #expect(try PostgresTrace.roundTrips(trace.file("trace")) == 1)
    }

    @Test func statementsOneByOne_TakeARoundTripEach() throws {
        // The trace check tells them apart. Prepared statements are executed by name.
        let connection = try connectWithItems()
        let trace = TemporaryDirectory()
        // The first run prepares each statement (one round trip more per new statement).
        try connection.startTrace(path: trace.file("first"))
        try connection.transaction {
            for (sql, parameters) in Self.inserts(1...3) { try connection.execute(sql, parameters) }
        }
        connection.stopTrace()
        #expect(try PostgresTrace.roundTrips(trace.file("first")) == 5 + 3, "BEGIN, the INSERT and COMMIT prepared once each")
        try connection.startTrace(path: trace.file("trace"))
        try connection.transaction {
            for (sql, parameters) in Self.inserts(4...6) { try connection.execute(sql, parameters) }
        }
        connection.stopTrace()
        #expect(try PostgresTrace.roundTrips(trace.file("trace")) == 5)
    }

    @Test func pipelinedTransaction_CommitsTheBatch_InOneRoundTrip() throws {
        let connection = try connectWithItems()
        let trace = TemporaryDirectory()
        try connection.startTrace(path: trace.file("trace"))
        let results = try connection.pipelinedTransaction(Self.inserts(1...1000) + [("SELECT count(*) FROM items", [])])
        connection.stopTrace()
        #expect(results.count == 1001)
        #expect(try results.last?.singleRow().decode(Int64.self, at: 0) == 1000)
        #expect(try countItems(connection) == 1000)
        #expect(try PostgresTrace.roundTrips(trace.file("trace")) == 1)
    }

    @Test func anErrorMidPipeline_LeavesNothingCommitted_AndTheConnectionUsable() throws {
        let connection = try connectWithItems()
        let batch = Self.inserts(1...3) + Self.inserts([2]) + Self.inserts(4...5)
        let error = #expect(throws: PostgresError.self) {
            try connection.pipeline([("BEGIN", [])] + batch + [("COMMIT", [])])
        }
        #expect(error?.kind == .uniqueViolation)
        #expect(error?.statementIndex == 4)
        #expect(try countItems(connection) == 0)

        let again = #expect(throws: PostgresError.self) { try connection.pipelinedTransaction(batch) }
        #expect(again?.kind == .uniqueViolation)
        #expect(again?.statementIndex == 3)
        #expect(again?.description.hasPrefix("PostgreSQL statement 3 [23505]: duplicate key value") == true)
        #expect(try countItems(connection) == 0)

        // Without BEGIN, the pipeline is one implicit transaction: also all or nothing.
        #expect(throws: PostgresError.self) { try connection.pipeline(batch) }
        #expect(try countItems(connection) == 0)

        // Nothing left open or half read.
        #expect(try connection.pipelinedTransaction(Self.inserts(1...3)).count == 3)
        #expect(try countItems(connection) == 3)
    }

    @Test func emptyPipeline_SendsNothing() throws {
        let connection = try connectWithItems()
        #expect(try connection.pipeline([]).isEmpty)
        #expect(try connection.pipelinedTransaction([]).isEmpty)
    }
}

/// ``PostgresTransaction``: statements held back and sent with the next read or with
/// COMMIT, the ledger's way of making a group commit cost few round trips.
@Suite("PostgresTransaction: held statements, one pipeline per read and one with COMMIT")
struct PostgresHeldTransactionTests {

    private func insert(_ id: Int, _ name: String = "item", into transaction: PostgresTransaction) {
        transaction.hold("INSERT INTO items VALUES ($1, $2)", [.int(id), .string(name)])
    }

    @Test func heldWrites_AReadAndCommit_TakeTwoRoundTrips_PreparingIncluded() throws {
        let connection = try connectWithItems()
        let trace = TemporaryDirectory()
        try connection.startTrace(path: trace.file("trace"))
        let transaction = try PostgresTransaction(connection: connection, begin: "BEGIN ISOLATION LEVEL SERIALIZABLE")
        for id in 1...50 { insert(id, into: transaction) }
        let seen = try transaction.query("SELECT count(*) FROM items WHERE id <= $1", [.int(50)])
        for id in 51...60 { insert(id, into: transaction) }
        try transaction.commit()
        connection.stopTrace()
        #expect(try seen.singleRow().decode(Int64.self, at: 0) == 50, "the read sees the writes held before it")
        #expect(try countItems(connection) == 60)
        // The first use of each statement prepares it inside the same pipeline.
        #expect(try PostgresTrace.roundTrips(trace.file("trace")) == 2)

        // Prepared now: the same again, still two, and no Parse of those texts.
        try connection.startTrace(path: trace.file("again"))
        let second = try PostgresTransaction(connection: connection)
        insert(61, into: second)
        _ = try second.query("SELECT count(*) FROM items WHERE id <= $1", [.int(61)])
        try second.commit()
        connection.stopTrace()
        let again = try String(contentsOfFile: trace.file("again"), encoding: .utf8)
        #expect(try PostgresTrace.roundTrips(trace.file("again")) == 2)
        #expect(!again.contains("INSERT INTO items"), "run by name, not parsed again: \(again)")
    }

    @Test func aHeldWriteThatFails_IsThrownByCommit_AndNothingIsCommitted() throws {
        let connection = try connectWithItems()
        let transaction = try PostgresTransaction(connection: connection)
        insert(1, into: transaction)
        insert(2, "", into: transaction)
        insert(3, into: transaction)
        let error = #expect(throws: PostgresError.self) { try transaction.commit() }
        #expect(error?.sqlState == "23514", "the CHECK's refusal: \(String(describing: error))")
        #expect(error?.kind == .other, "a definite refusal, not an unknown outcome")
        #expect(try countItems(connection) == 0)
        #expect(!connection.inTransaction)
    }

    @Test func aHeldWriteThatFails_IsThrownByTheNextRead() throws {
        let connection = try connectWithItems()
        let transaction = try PostgresTransaction(connection: connection)
        insert(1, into: transaction)
        insert(1, into: transaction)
        let error = #expect(throws: PostgresError.self) { try transaction.query("SELECT 1") }
        #expect(error?.kind == .uniqueViolation)
        transaction.rollback()
        #expect(!connection.inTransaction)
        #expect(try countItems(connection) == 0)
    }

    @Test func aSavepoint_UndoesItsOwnFailureAlone_AndTheTransactionCommitsTheRest() throws {
        let connection = try connectWithItems()
        let transaction = try PostgresTransaction(connection: connection)
        insert(1, into: transaction)
        #expect(throws: PostgresError.self) {
            try transaction.withSavepoint {
                insert(2, into: transaction)
                insert(3, "", into: transaction)
            }
        }
        try transaction.withSavepoint { insert(4, into: transaction) }
        // A body that throws before its statements were sent leaves none of them.
        struct Refused: Error {}
        #expect(throws: Refused.self) {
            try transaction.withSavepoint {
                insert(5, into: transaction)
                throw Refused()
            }
        }
        try transaction.commit()
        let ids = try connection.execute("SELECT id FROM items ORDER BY id").rows.map { try $0.decode(Int64.self, at: 0) }
        #expect(ids == [1, 4])
    }

    @Test func rollback_DropsWhatIsHeld_AndWhatWasSent() throws {
        let connection = try connectWithItems()
        let transaction = try PostgresTransaction(connection: connection)
        insert(1, into: transaction)
        _ = try transaction.query("SELECT 1")
        insert(2, into: transaction)
        transaction.rollback()
        #expect(!connection.inTransaction)
        #expect(try countItems(connection) == 0)
    }
}
