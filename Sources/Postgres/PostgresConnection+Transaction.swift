import CLibPQ

/// Transactions, and how the outcome of a COMMIT is decided.
///
/// The daemon answers 2xx only after COMMIT returned, so "not committed" and "perhaps
/// committed" must never be confused. The rule, here and in ``PostgresConnection/pipelinedTransaction(_:)``:
///
/// - Before COMMIT is sent, the socket is read without waiting (`PQconsumeInput`). A
///   connection found closed there (the server stopped or ended the session while the
///   transaction sat open) never got the COMMIT: `connectionLost`, and nothing of the
///   transaction was committed (the server rolls back what a closed session left open).
/// - Once COMMIT may have reached the server, a lost connection before its answer is
///   `commitOutcomeUnknown`: the server may have committed and died before answering,
///   or the answer may have been lost on the way. The caller must not answer 2xx, and
///   what it retries must be safe to do twice (the ledger's natural keys make it so).
/// - A COMMIT that the server answers with an error (a deferred constraint, a
///   serialization failure) or with `ROLLBACK` (an earlier statement failed and the
///   caller went on) is a definite "not committed", thrown as such.
extension PostgresConnection {
    /// Runs `body` between BEGIN and COMMIT and returns what it returned. When `body`
    /// throws, the transaction is rolled back and its error rethrown as it is. COMMIT's
    /// failures are ``PostgresError``s sorted as above.
    ///
    /// - Parameter begin: the statement that opens it: `BEGIN`, or one with the
    ///   transaction's modes (`BEGIN ISOLATION LEVEL SERIALIZABLE`, `BEGIN READ ONLY`), so
    ///   that they cost no round trip of their own.
    @discardableResult
    public func transaction<T>(begin: String = "BEGIN", _ body: () throws -> T) throws -> T {
        guard !inTransaction else {
            throw PostgresError.misuse("a transaction is already open on this connection")
        }
        try execute(begin)
        let value: T
        do {
            value = try body()
        } catch {
            rollbackAfterFailure()
            throw error
        }
        try commit()
        return value
    }

    private func commit() throws(PostgresError) {
        guard stillConnected() else {
            throw PostgresError(kind: .connectionLost,
                                message: "the connection was lost before COMMIT was sent, so nothing was committed: "
                                    + connectionError().message)
        }
        let result: PostgresResult
        do throws(PostgresError) {
            result = try execute("COMMIT")
        } catch {
            throw error.duringCommit()
        }
        guard result.commandTag == "COMMIT" else {
            throw PostgresError.misuse("COMMIT rolled the transaction back (\(result.commandTag)): a statement in it had failed")
        }
    }

    /// After a failure inside a transaction: ROLLBACK when the connection is still up
    /// and a transaction is open, so that the next statement starts clean. Its own
    /// failure changes nothing: a closed connection has rolled back already.
    func rollbackAfterFailure() {
        guard PQstatus(connection) == CONNECTION_OK, inTransaction else { return }
        _ = try? execute("ROLLBACK")
    }
}
