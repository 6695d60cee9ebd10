import Postgres
import Testing
import TestSupport

/// `execute` prepares each statement on first use and runs it by name after: what that
/// must not change, and the one way a prepared plan goes stale.
@Suite("PostgresConnection: prepared statements")
struct PreparedStatementTests {
    private func connect(_ conninfo: String) throws -> PostgresConnection {
        try PostgresConnection(conninfo: conninfo)
    }

    @Test func aNullThenAValue_InTheSamePlace_BothBind() throws {
        let connection = try connect(PostgresCluster.shared().createDatabase())
        try connection.execute("CREATE TABLE t (id bigint PRIMARY KEY, ratio double precision)")
        let insert = "INSERT INTO t (id, ratio) VALUES ($1, coalesce($2, 0) + 0.5)"
        try connection.execute(insert, [.int64(1), nil])
        try connection.execute(insert, [.int64(2), .double(1.25)])
        try connection.execute(insert, [.int64(3), .int64(2)])
        let rows = try connection.execute("SELECT ratio FROM t ORDER BY id").rows
        #expect(try rows.map { try $0.decode(Double.self, at: 0) } == [0.5, 1.75, 2.5])
    }

    @Test func aTableChangedByAnotherSession_EndsTheTransactionAsStale_ThenRunsAgain() throws {
        let conninfo = try PostgresCluster.shared().createDatabase()
        let connection = try connect(conninfo)
        try connection.execute("CREATE TABLE t (id bigint PRIMARY KEY)")
        try connection.execute("INSERT INTO t VALUES (1)")
        let select = "SELECT * FROM t WHERE id = $1"
        #expect(try connection.execute(select, [.int64(1)]).columns.count == 1)

        // Another instance's migration.
        try connect(conninfo).execute("ALTER TABLE t ADD COLUMN note text")

        #expect {
            try connection.transaction { try connection.execute(select, [.int64(1)]) }
        } throws: { error in
            (error as? PostgresError)?.kind == .staleStatement && (error as? PostgresError)?.isRetryable == true
        }
        // Run again, as the ledger does: prepared anew, the new column there.
        let again = try connection.transaction { try connection.execute(select, [.int64(1)]) }
        #expect(again.columns.map(\.name) == ["id", "note"])
    }
}
