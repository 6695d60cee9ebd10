import Foundation
import Postgres
import Testing
import TestSupport

/// Transactions and pipelines: what commits, what rolls back, and how many round trips
/// a batch takes (read from libpq's protocol trace).
@Suite("PostgresConnection: transactions and pipelines")
struct PostgresTransactionTests {
    private struct Refused: Error {}

    private func connectWithTable() throws -> PostgresConnection {
        let connection = try PostgresConnection(conninfo: PostgresCluster.shared().createDatabase())
        try connection.execute("CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL)")
        return connection
    }

    private func count(_ connection: PostgresConnection) throws -> Int64 {
        try connection.execute("SELECT count(*) FROM items").singleRow().decode(Int64.self, at: 0)
    }

    private static func inserts(_ ids: some Sequence<Int>) -> [(String, [PostgresValue?])] {
        ids.map { ("INSERT INTO items VALUES ($1, $2)", [.int($0), .string("item \($0)")]) }
    }

    @Test func transaction_CommitsAndReturnsTheBodysValue() throws {
        let connection = try connectWithTable()
        let name = try connection.transaction {
            try connection.execute("INSERT INTO items VALUES (1, 'one')")
            return try connection.execute("SELECT name FROM items WHERE id = 1").singleRow().decode(String.self, at: 0)
        }
        #expect(name == "one")
        #expect(try count(connection) == 1)
    }

    @Test func transaction_RollsBackWhenTheBodyThrows_AndRethrowsItsError() throws {
        let connection = try connectWithTable()
        #expect(throws: Refused.self) {
            try connection.transaction {
                try connection.execute("INSERT INTO items VALUES (1, 'one')")
                throw Refused()
            }
        }
        #expect(try count(connection) == 0)
        // No transaction left open: another one starts.
        try connection.transaction { try connection.execute("INSERT INTO items VALUES (2, 'two')") }
        #expect(try count(connection) == 1)
    }

    @Test func transaction_WhoseStatementFailedAndWasIgnored_IsNotReportedCommitted() throws {
        let connection = try connectWithTable()
        let error = #expect(throws: PostgresError.self) {
            try connection.transaction {
                try connection.execute("INSERT INTO items VALUES (1, 'one')")
                _ = try? connection.execute("INSERT INTO items VALUES (1, 'again')")
            }
        }
        #expect(error?.message.contains("COMMIT rolled the transaction back (ROLLBACK)") == true)
        #expect(try count(connection) == 0)
    }

    @Test func transaction_InsideATransaction_IsRefused() throws {
        let connection = try connectWithTable()
        try connection.transaction {
            let error = #expect(throws: PostgresError.self) { try connection.transaction {} }
            #expect(error?.message == "a transaction is already open on this connection")
        }
    }

    @Test func pipeline_RunsBeginInsertsCommit_InOneRoundTrip() throws {
        let connection = try connectWithTable()
        let trace = TemporaryDirectory()
        try connection.startTrace(path: trace.file("trace"))
        let results = try connection.pipeline([("BEGIN", [])] + Self.inserts(1...200) + [("COMMIT", [])])
        connection.stopTrace()
        #expect(results.count == 202)
        #expect(results.first?.commandTag == "BEGIN")
        #expect(results.dropFirst().dropLast().allSatisfy { $0.commandTag == "INSERT 0 1" })
        #expect(results.last?.commandTag == "COMMIT")
        #expect(try count(connection) == 200)
        #expect(try Self.roundTrips(trace.file("trace")) == 1)
    }

    @Test func statementsOneByOne_TakeARoundTripEach() throws {
        // The trace check tells them apart. Prepared statements are executed by name.
        let connection = try connectWithTable()
        let trace = TemporaryDirectory()
        // The first run prepares each statement (one round trip more per new statement).
        try connection.startTrace(path: trace.file("first"))
        try connection.transaction {
            for (sql, parameters) in Self.inserts(1...3) { try connection.execute(sql, parameters) }
        }
        connection.stopTrace()
        #expect(try Self.roundTrips(trace.file("first")) == 5 + 3, "BEGIN, the INSERT and COMMIT prepared once each")
        try connection.startTrace(path: trace.file("trace"))
        try connection.transaction {
            for (sql, parameters) in Self.inserts(4...6) { try connection.execute(sql, parameters) }
        }
        connection.stopTrace()
        #expect(try Self.roundTrips(trace.file("trace")) == 5)
    }

    @Test func pipelinedTransaction_CommitsTheBatch_InOneRoundTrip() throws {
        let connection = try connectWithTable()
        let trace = TemporaryDirectory()
        try connection.startTrace(path: trace.file("trace"))
        let results = try connection.pipelinedTransaction(Self.inserts(1...1000) + [("SELECT count(*) FROM items", [])])
        connection.stopTrace()
        #expect(results.count == 1001)
        #expect(try results.last?.singleRow().decode(Int64.self, at: 0) == 1000)
        #expect(try count(connection) == 1000)
        #expect(try Self.roundTrips(trace.file("trace")) == 1)
    }

    @Test func anErrorMidPipeline_LeavesNothingCommitted_AndTheConnectionUsable() throws {
        let connection = try connectWithTable()
        let batch = Self.inserts(1...3) + Self.inserts([2]) + Self.inserts(4...5)
        let error = #expect(throws: PostgresError.self) {
            try connection.pipeline([("BEGIN", [])] + batch + [("COMMIT", [])])
        }
        #expect(error?.kind == .uniqueViolation)
        #expect(error?.statementIndex == 4)
        #expect(try count(connection) == 0)

        let again = #expect(throws: PostgresError.self) { try connection.pipelinedTransaction(batch) }
        #expect(again?.kind == .uniqueViolation)
        #expect(again?.statementIndex == 3)
        #expect(again?.description.hasPrefix("PostgreSQL statement 3 [23505]: duplicate key value") == true)
        #expect(try count(connection) == 0)

        // Without BEGIN, the pipeline is one implicit transaction: also all or nothing.
        #expect(throws: PostgresError.self) { try connection.pipeline(batch) }
        #expect(try count(connection) == 0)

        // Nothing left open or half read.
        #expect(try connection.pipelinedTransaction(Self.inserts(1...3)).count == 3)
        #expect(try count(connection) == 3)
    }

    @Test func emptyPipeline_SendsNothing() throws {
        let connection = try connectWithTable()
        #expect(try connection.pipeline([]).isEmpty)
        #expect(try connection.pipelinedTransaction([]).isEmpty)
    }

    /// The client's round trips in a libpq trace: each run of messages from the client
    /// (`F`) that the server (`B`) answers before the client sends again.
    static func roundTrips(_ path: String) throws -> Int {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        var trips = 0
        var sending = false
        for line in lines {
            if line.hasPrefix("F\t") {
                if !sending { trips += 1 }
                sending = true
            } else if line.hasPrefix("B\t") {
                sending = false
            }
        }
        return trips
    }
}
