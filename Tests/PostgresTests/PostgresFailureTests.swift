import Foundation
import Postgres
import Synchronization
import Testing
import TestSupport

/// What the ledger must tell apart when PostgreSQL goes away: a lost connection (retry
/// after a reconnect, nothing committed), an unknown commit outcome (never a 2xx), and a
/// refused login whose message keeps the password out.
@Suite("PostgresConnection: lost connections, commit outcomes, passwords")
struct PostgresFailureTests {
    @Test func aStoppedServer_IsConnectionLost_AndResetConnectsOnceItIsBack() throws {
        let cluster = try PostgresCluster()
        let connection = try PostgresConnection(conninfo: cluster.conninfo())
        try connection.execute("CREATE TABLE items (id bigint PRIMARY KEY)")
        #expect(connection.isAlive)

        try cluster.stop()
        #expect(!connection.isAlive)
        let lost = #expect(throws: PostgresError.self) { try connection.execute("INSERT INTO items VALUES (1)") }
        #expect(lost?.kind == .connectionLost)
        #expect(lost?.isRetryable == true)
        let stillDown = #expect(throws: PostgresError.self) { try connection.reset() }
        #expect(stillDown?.kind == .connectionLost)
        #expect(stillDown?.message.contains("No such file or directory") == true)
        let pipelineLost = #expect(throws: PostgresError.self) {
            try connection.pipelinedTransaction([("INSERT INTO items VALUES (1)", [])])
        }
        #expect(pipelineLost?.kind == .connectionLost)

        try cluster.start()
        try connection.reset()
        #expect(connection.isAlive)
        try connection.execute("INSERT INTO items VALUES (1)")

        // Lost while in pipeline mode: the reset leaves it, and both kinds of call work.
        try cluster.stop(mode: "immediate")
        let midPipeline = #expect(throws: PostgresError.self) {
            try connection.pipeline([("INSERT INTO items VALUES (2)", []), ("INSERT INTO items VALUES (3)", [])])
        }
        #expect(midPipeline?.kind == .connectionLost, "\(String(describing: midPipeline))")
        try cluster.start()
        try connection.reset()
        #expect(try connection.pipeline([("INSERT INTO items VALUES (2)", [])]).count == 1)
        #expect(try connection.execute("SELECT count(*) FROM items").singleRow().decode(Int64.self, at: 0) == 2)
    }

    @Test func aBackendEndedBeforeCommit_IsConnectionLost_AndNothingIsCommitted() throws {
        let cluster = try PostgresCluster.shared()
        let conninfo = try cluster.createDatabase()
        let connection = try PostgresConnection(conninfo: conninfo)
        let other = try PostgresConnection(conninfo: conninfo)
        try connection.execute("CREATE TABLE items (id bigint PRIMARY KEY)")

        let error = #expect(throws: PostgresError.self) {
            try connection.transaction {
                try connection.execute("INSERT INTO items VALUES (1)")
                // Waits (up to 5 s) until the backend is gone: its goodbye is in our socket.
                try other.execute("SELECT pg_terminate_backend($1::integer, 5000)", [.int64(Int64(connection.backendPID))])
            }
        }
        #expect(error?.kind == .connectionLost)
        #expect(error?.message.contains("before COMMIT was sent") == true)
        #expect(try other.execute("SELECT count(*) FROM items").singleRow().decode(Int64.self, at: 0) == 0)

        try connection.reset()
        try other.execute("SELECT pg_terminate_backend($1::integer, 5000)", [.int64(Int64(connection.backendPID))])
        let batch = #expect(throws: PostgresError.self) {
            try connection.pipelinedTransaction([("INSERT INTO items VALUES (1)", [])])
        }
        #expect(batch?.kind == .connectionLost)
        #expect(batch?.message.contains("before the batch was sent") == true)
        #expect(try other.execute("SELECT count(*) FROM items").singleRow().decode(Int64.self, at: 0) == 0)

        // Held statements after a read that began the transaction: COMMIT is not sent.
        try connection.reset()
        let held = try PostgresTransaction(connection: connection)
        held.hold("INSERT INTO items VALUES (1)")
        _ = try held.query("SELECT 1")
        held.hold("INSERT INTO items VALUES (2)")
        try other.execute("SELECT pg_terminate_backend($1::integer, 5000)", [.int64(Int64(connection.backendPID))])
        let lost = #expect(throws: PostgresError.self) { try held.commit() }
        #expect(lost?.kind == .connectionLost)
        #expect(lost?.message.contains("before COMMIT was sent") == true)
        #expect(try other.execute("SELECT count(*) FROM items").singleRow().decode(Int64.self, at: 0) == 0)
    }

    /// COMMIT made slow by a deferred trigger that sleeps, and the backend terminated
    /// from another connection while it sleeps in COMMIT: the client cannot know whether
    /// the server committed. (Here it had not: the trigger failed first. The client
    /// must still say "unknown": from its side a commit that succeeded and then lost its
    /// answer looks the same.)
    @Test(arguments: ["transaction", "pipelinedTransaction", "held"])
    func theConnectionLostDuringCommit_IsCommitOutcomeUnknown(_ call: String) throws {
        let cluster = try PostgresCluster.shared()
        let conninfo = try cluster.createDatabase()
        let connection = try PostgresConnection(conninfo: conninfo)
        try connection.simpleQuery("""
            CREATE TABLE items (id bigint PRIMARY KEY);
            CREATE FUNCTION sleep_at_commit() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$;
            CREATE CONSTRAINT TRIGGER sleep_at_commit AFTER INSERT ON items DEFERRABLE INITIALLY DEFERRED
                FOR EACH ROW EXECUTE FUNCTION sleep_at_commit();
            """)
        let terminator = Terminator(conninfo: conninfo, pid: connection.backendPID)

        let error = #expect(throws: PostgresError.self) {
            switch call {
            case "transaction":
                try connection.transaction { try connection.execute("INSERT INTO items VALUES (1)") }
            case "held":
                let transaction = try PostgresTransaction(connection: connection)
                transaction.hold("INSERT INTO items VALUES (1)")
                try transaction.commit()
            default:
                _ = try connection.pipelinedTransaction([("INSERT INTO items VALUES (1)", [])])
            }
        }
        #expect(terminator.wait() == "terminated")
        #expect(error?.kind == .commitOutcomeUnknown)
        #expect(error?.isRetryable == false)
        #expect(error?.description.contains("the commit's outcome is unknown") == true)

        try connection.reset()
        #expect(try connection.execute("SELECT count(*) FROM items").singleRow().decode(Int64.self, at: 0) == 0)
    }

    @Test func aWrongPassword_IsRefused_AndNoMessageHoldsThePassword() throws {
        let cluster = try PostgresCluster.shared()
        let role = "password_user"
        let password = "correct-horse-battery-7"
        try cluster.createRole(role, password: password)
        let conninfo = cluster.conninfo(user: role)

        let connection = try PostgresConnection(conninfo: conninfo, password: password)
        #expect(try connection.execute("SELECT current_user").singleRow().decode(String.self, at: 0) == role)

        let wrong = "Tr0ub4dor&3-not-it"
        let refused = #expect(throws: PostgresError.self) { try PostgresConnection(conninfo: conninfo, password: wrong) }
        #expect(refused?.kind == .connectionLost)
        #expect(refused?.message.contains("password authentication failed for user \"\(role)\"") == true)
        #expect(refused.map { !"\($0)".contains(wrong) && !$0.message.contains(wrong) } == true)

        let noPassword = #expect(throws: PostgresError.self) { try PostgresConnection(conninfo: conninfo) }
        #expect(noPassword?.message.contains("no password supplied") == true)

        // A password in the URL, wrong, and one in a URL libpq cannot parse: neither shows.
        let inURL = "s3cret-in-url"
        let url = "postgresql://\(role):\(inURL)@/postgres?host=\(cluster.socketDirectory)&port=\(cluster.port)"
        let urlRefused = #expect(throws: PostgresError.self) { try PostgresConnection(conninfo: url) }
        #expect(urlRefused.map { !"\($0)".contains(inURL) } == true)
        let malformed = "postgresql://\(role):\(inURL)%zz@/postgres?host=\(cluster.socketDirectory)"
        let unparsed = #expect(throws: PostgresError.self) { try PostgresConnection(conninfo: malformed) }
        #expect(unparsed?.message.hasPrefix("the connection string does not parse") == true)
        #expect(unparsed.map { !"\($0)".contains(inURL) } == true)

        // The server's own error that quotes the password back is scrubbed too.
        let echoed = #expect(throws: PostgresError.self) {
            try connection.execute("SELECT $1::int", [.string(password)])
        }
        #expect(echoed?.sqlState == "22P02")
        #expect(echoed?.message == "invalid input syntax for type integer: \"[redacted]\"")
    }

    /// Terminates `pid` from a connection of its own, on a thread of its own, once that
    /// backend sleeps inside COMMIT (`pg_stat_activity`), and says how it went.
    private final class Terminator: Sendable {
        private let outcome = Mutex<String?>(nil)
        private let done = DispatchSemaphore(value: 0)

        init(conninfo: String, pid: Int32) {
            Thread.detachNewThread { [self] in
                let result: String
                do {
                    let connection = try PostgresConnection(conninfo: conninfo)
                    result = try Self.terminate(pid, on: connection)
                } catch {
                    result = "\(error)"
                }
                outcome.withLock { $0 = result }
                done.signal()
            }
        }

        private static func terminate(_ pid: Int32, on connection: PostgresConnection) throws -> String {
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                let sleeping = try connection.execute("""
                    SELECT count(*) FROM pg_stat_activity
                    WHERE pid = $1 AND state = 'active' AND query = 'COMMIT' AND wait_event = 'PgSleep'
                    """, [.int64(Int64(pid))]).singleRow().decode(Int64.self, at: 0)
                if sleeping == 1 {
                    let ended = try connection.execute("SELECT pg_terminate_backend($1::integer, 5000)", [.int64(Int64(pid))])
                        .singleRow().decode(Bool.self, at: 0)
                    return ended ? "terminated" : "pg_terminate_backend returned false"
                }
                Thread.sleep(forTimeInterval: 0.02)
            }
            return "the backend never slept in COMMIT"
        }

        func wait() -> String? {
            done.wait()
            return outcome.withLock { $0 }
        }
    }
}
