import CLibPQ

/// A transaction whose statements are held back until something needs an answer, then
/// sent together as one pipeline: a statement whose result the caller reads
/// (``query(_:_:)``), the count of rows changed (``flush()``), or COMMIT. So a ledger
/// batch of inserts and updates (the group commit) costs the round trips of its reads
/// plus one, instead of one per statement: BEGIN travels with the first statement sent,
/// and the last writes with COMMIT.
///
/// The price is where a failure shows: a held-back statement that fails is reported by
/// the next send, as that send's error. A caller that must tie a failure to one piece of
/// work flushes at the end of it (``PostgresTransaction/withSavepoint(_:)`` does).
///
/// COMMIT follows the rule in `PostgresConnection+Transaction.swift`: a lost connection
/// is `connectionLost` when COMMIT certainly did not run, `commitOutcomeUnknown` once it
/// may have.
public final class PostgresTransaction {
    public let connection: PostgresConnection
    private var held: [(String, [PostgresValue?])] = []
    /// BEGIN has been sent (it travels with the first statement that is).
    private var begun = false
    private var savepoints = 0
    /// The results of the last send, one per statement sent (BEGIN's included).
    public private(set) var lastResults: [PostgresResult] = []

    /// Opens the transaction with `begin` (`BEGIN`, or one with its modes), held back
    /// like the statements after it.
    public init(connection: PostgresConnection, begin: String = "BEGIN") throws(PostgresError) {
        guard !connection.inTransaction else { throw .misuse("a transaction is already open on this connection") }
        self.connection = connection
        held.append((begin, []))
    }

    /// Holds `sql` back until the next send.
    public func hold(_ sql: String, _ parameters: [PostgresValue?] = []) {
        held.append((sql, parameters))
    }

    /// Sends what is held and `sql`, and returns `sql`'s result.
    @discardableResult
    public func query(_ sql: String, _ parameters: [PostgresValue?] = []) throws(PostgresError) -> PostgresResult {
        held.append((sql, parameters))
        try send()
        guard let last = lastResults.last else { throw .misuse("the pipeline returned no result") }
        return last
    }

    /// Sends what is held, so that a failure among it is thrown now. True when there was
    /// something to send (``lastResults`` are its results).
    @discardableResult
    public func flush() throws(PostgresError) -> Bool {
        guard !held.isEmpty else { return false }
        try send()
        return true
    }

    /// Runs `body` in a savepoint: what it holds is sent before the savepoint is
    /// released, so a failure of its statements is thrown here and undone alone (ROLLBACK
    /// TO SAVEPOINT); the transaction goes on. A failure that ends the transaction (a
    /// lost connection, a conflict) goes on as it is.
    public func withSavepoint(_ body: () throws -> Void) throws {
        try flush()
        savepoints += 1
        defer { savepoints -= 1 }
        let name = "pg_savepoint_\(savepoints)"
        _ = try connection.execute("SAVEPOINT \(name)")
        do {
            try body()
            try flush()
        } catch {
            // Statements of the body not sent yet are dropped with it. Its own failure
            // (the connection gone) changes nothing: the error below ends the
            // transaction anyway.
            held.removeAll()
            _ = try? connection.execute("ROLLBACK TO SAVEPOINT \(name)")
            _ = try? connection.execute("RELEASE SAVEPOINT \(name)")
            throw error
        }
        _ = try connection.execute("RELEASE SAVEPOINT \(name)")
    }

    /// Sends what is held with COMMIT. Returns the results of the statements sent with it
    /// (not BEGIN's or COMMIT's).
    @discardableResult
    public func commit() throws(PostgresError) -> [PostgresResult] {
        if begun {
            // BEGIN went earlier: a connection the server closed since then holds a
            // transaction it has rolled back, and COMMIT must not be sent to find out.
            guard connection.stillConnected() else {
                held.removeAll()
                throw PostgresError(kind: .connectionLost,
                                    message: "the connection was lost before COMMIT was sent, so nothing was committed: "
                                        + connection.connectionError().message)
            }
        }
        let firstOwn = begun ? 0 : 1
        let statements = held + [("COMMIT", [])]
        held.removeAll()
        begun = true
        return Array(try connection.runPipelineEndingInCommit(statements).dropFirst(firstOwn).dropLast())
    }

    /// Drops what is held and rolls back what was sent.
    public func rollback() {
        held.removeAll()
        connection.rollbackAfterFailure()
    }

    private func send() throws(PostgresError) {
        let statements = held
        held.removeAll()
        let run = try connection.runPipeline(statements, rollingBack: savepoints == 0)
        begun = true
        if let error = run.error { throw error }
        lastResults = run.results
    }
}
