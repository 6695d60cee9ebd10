import CLibPQ

/// Pipeline mode (libpq 14 and later): every statement of a batch sent before the first
/// answer is read, with one Sync at the end, so a group commit of n writes costs one
/// round trip instead of n + 2.
///
/// The connection stays in libpq's blocking mode. That is safe for a large batch:
/// when the socket will not take more, libpq reads and buffers what the server sends
/// before it tries again, so client and server never wait on each other.
extension PostgresConnection {
    /// Sends `statements` (SQL and its parameters, as for `execute`) in one pipeline and
    /// returns their results in order.
    ///
    /// Each statement runs as it would alone, except that the first failure makes the
    /// server skip the rest up to the Sync: the error thrown is that first failure, with
    /// its `statementIndex`. Without a BEGIN in the batch, the statements run in one
    /// implicit transaction that the failure rolls back whole. A batch that opened a
    /// transaction and failed is rolled back before this returns. For a batch that must
    /// commit as one, ``pipelinedTransaction(_:)`` adds BEGIN and COMMIT and says when a
    /// lost connection leaves the commit's outcome unknown; here a lost connection is
    /// `connectionLost` whatever the statements were.
    public func pipeline(_ statements: [(String, [PostgresValue?])]) throws(PostgresError) -> [PostgresResult] {
        let run = try runPipeline(statements)
        if let error = run.error { throw error }
        return run.results
    }

    /// BEGIN, `statements`, COMMIT, as one pipeline: one round trip for a whole batch.
    /// Returns the statements' results (not BEGIN's or COMMIT's).
    ///
    /// A failure of a statement rolls the whole batch back and is thrown with the
    /// statement's index. A lost connection is `connectionLost` when COMMIT was certainly
    /// not run: it was never handed to the socket, or the server reported that it
    /// ended the session at an earlier statement (pipelined statements run in order, so
    /// it never reached COMMIT). Otherwise (COMMIT sent, and the socket closed with no
    /// word of where the server stopped, or the failure struck COMMIT itself) it is
    /// `commitOutcomeUnknown`. See the rule in `PostgresConnection+Transaction.swift`.
    public func pipelinedTransaction(_ statements: [(String, [PostgresValue?])]) throws(PostgresError) -> [PostgresResult] {
        guard !inTransaction else { throw .misuse("a transaction is already open on this connection") }
        guard stillConnected() else {
            throw PostgresError(kind: .connectionLost,
                                message: "the connection was lost before the batch was sent: " + connectionError().message)
        }
        let all: [(String, [PostgresValue?])] = [("BEGIN", [])] + statements + [("COMMIT", [])]
        let commitIndex = all.count - 1
        // Indices as the caller counts them: BEGIN and COMMIT are none of theirs.
        func theirs(_ error: PostgresError) -> PostgresError {
            guard let index = error.statementIndex, index > 0, index < commitIndex else {
                return PostgresError(kind: error.kind, message: error.message, sqlState: error.sqlState,
                                     detail: error.detail, constraint: error.constraint)
            }
            return error.at(statement: index - 1)
        }
        do throws(PostgresError) {
            return Array(try runPipelineEndingInCommit(all).dropFirst().dropLast())
        } catch {
            throw theirs(error)
        }
    }

    /// Runs `statements`, the last of them COMMIT, as one pipeline, and sorts a failure
    /// by the rule in `PostgresConnection+Transaction.swift`: a lost connection is
    /// `connectionLost` when COMMIT certainly did not run (libpq never took it, or the
    /// server named an earlier statement before it went: pipelined statements run in
    /// order), `commitOutcomeUnknown` otherwise. Returns every result, COMMIT's included.
    func runPipelineEndingInCommit(_ statements: [(String, [PostgresValue?])]) throws(PostgresError) -> [PostgresResult] {
        let commitIndex = statements.count - 1
        let run = try runPipeline(statements)
        if let error = run.error {
            guard error.kind == .connectionLost else { throw error }
            if run.sent <= commitIndex { throw error }
            if let index = error.statementIndex, index < commitIndex, error.sqlState != nil { throw error }
            throw error.duringCommit()
        }
        guard let commit = run.results.last, commit.commandTag == "COMMIT" else {
            throw .misuse("COMMIT rolled the transaction back (\(run.results.last?.commandTag ?? "no answer")): a statement in it had failed")
        }
        return run.results
    }

    /// Sends the batch and reads every answer. Throws only before anything is sent (a
    /// parameter that cannot be encoded, pipeline mode refused); afterwards it returns the results read, the first error,
    /// and how many statements libpq took (`sent`): a statement it did not take never
    /// reached the server.
    ///
    /// Statements run prepared, as ``execute(_:_:)`` runs them (prepared on first use,
    /// in the pipeline itself). After a failure the transaction the batch ran in is
    /// rolled back, unless `rollingBack` is false: a caller with a savepoint to return
    /// to (``PostgresTransaction``) decides itself.
    func runPipeline(_ statements: [(String, [PostgresValue?])], rollingBack: Bool = true) throws(PostgresError)
        -> (results: [PostgresResult], error: PostgresError?, sent: Int)
    {
        guard !statements.isEmpty else { return ([], nil, 0) }
        var encoded: [PostgresParameters] = []
        encoded.reserveCapacity(statements.count)
        for (index, statement) in statements.enumerated() {
            do throws(PostgresError) {
                encoded.append(try PostgresParameters(statement.1))
            } catch {
                throw error.at(statement: index)
            }
        }
        guard PQenterPipelineMode(connection) == 1 else { throw connectionError() }

        // What was sent, in order: each answers with one result and a NULL. A statement
        // not prepared on this session yet is prepared in the pipeline, just before its
        // first use, so that preparing costs no round trip of its own.
        enum Sent {
            case prepare(PreparedStatements.Key, name: String, forStatement: Int)
            case statement(Int)
        }
        var operations: [Sent] = []
        operations.reserveCapacity(statements.count)
        var preparing: [PreparedStatements.Key: String] = [:]
        var results: [PostgresResult] = []
        var firstError: PostgresError?
        var stalePlan = false
        var sent = 0
        sending: for (index, statement) in statements.enumerated() {
            let parameters = encoded[index]
            let key = PreparedStatements.Key(sql: statement.0, types: parameters.types)
            var name = prepared.name(for: key) ?? preparing[key]
            if name == nil && !prepared.isFull {
                let fresh = prepared.nextName()
                guard PQsendPrepare(connection, fresh, statement.0, parameters.count, parameters.types) == 1 else {
                    firstError = connectionError().at(statement: index)
                    break sending
                }
                operations.append(.prepare(key, name: fresh, forStatement: index))
                preparing[key] = fresh
                name = fresh
            }
            let queued = if let name {
                PQsendQueryPrepared(connection, name, parameters.count, parameters.values, parameters.lengths,
                                    parameters.formats, 0)
            } else {
                PQsendQueryParams(connection, statement.0, parameters.count, parameters.types, parameters.values,
                                  parameters.lengths, parameters.formats, 0)
            }
            guard queued == 1 else {
                firstError = connectionError().at(statement: index)
                break
            }
            operations.append(.statement(index))
            sent += 1
        }
        var synced = false
        if firstError == nil {
            if PQpipelineSync(connection) == 1 {
                synced = true
            } else {
                firstError = connectionError().at(statement: statements.count - 1)
            }
        }

        // One result per operation sent, each followed by a NULL; then the Sync's.
        for operation in operations {
            let index = switch operation {
            case .prepare(_, _, let statement): statement
            case .statement(let statement): statement
            }
            guard PQstatus(connection) == CONNECTION_OK, let result = PQgetResult(connection) else {
                firstError = firstError ?? connectionError().at(statement: index)
                break
            }
            if PQresultStatus(result) == PGRES_PIPELINE_ABORTED {
                PQclear(result)
                firstError = firstError ?? .misuse("statement \(index) was skipped and no earlier one failed")
            } else {
                do throws(PostgresError) {
                    let taken = try take(result)
                    switch operation {
                    case .prepare(let key, let name, _): prepared.add(key, name: name)
                    case .statement: results.append(taken)
                    }
                } catch {
                    if error.isStalePlan { stalePlan = true }
                    firstError = firstError ?? error.at(statement: index)
                }
            }
            if PQstatus(connection) == CONNECTION_OK, let extra = PQgetResult(connection) {
                PQclear(extra)
                firstError = firstError ?? .misuse("statement \(index) returned more than one result")
            }
        }
        if synced, PQstatus(connection) == CONNECTION_OK {
            if let sync = PQgetResult(connection) {
                switch PQresultStatus(sync) {
                case PGRES_PIPELINE_SYNC:
                    PQclear(sync)
                case PGRES_FATAL_ERROR:
                    // The server ended the session after the last statement, before the
                    // Sync (a shutdown's 57P01): said as what it is, a lost connection.
                    // `take` frees the result.
                    do throws(PostgresError) { _ = try take(sync) } catch {
                        firstError = firstError ?? PostgresError(
                            kind: error.kind == .other ? .connectionLost : error.kind,
                            message: error.message + " (after the last statement of the pipeline)",
                            sqlState: error.sqlState)
                    }
                default:
                    PQclear(sync)
                    firstError = firstError ?? .misuse("the pipeline did not end with its Sync")
                }
            }
        }
        if PQstatus(connection) == CONNECTION_OK {
            guard PQexitPipelineMode(connection) == 1 else {
                // Results left unread would be read as the next statement's: the
                // connection cannot be trusted any more.
                PQreset(connection)
                return (results, firstError ?? connectionError(), sent)
            }
            if let error = firstError, error.sqlState == nil, error.kind == .other, !stillConnected() {
                // libpq's own complaint (a result missing, a send refused) on a connection
                // that turns out to be closed: the closing is what happened.
                firstError = PostgresError(kind: .connectionLost, message: "\(error.message); the connection was lost",
                                           statementIndex: error.statementIndex)
            }
            if firstError != nil && rollingBack { rollbackAfterFailure() }
            if stalePlan, let error = firstError {
                // As in execute: every plan of this session may be stale; the caller runs
                // its transaction again, which this error has ended.
                forgetPreparedStatements()
                firstError = PostgresError(kind: .staleStatement, message: error.message, sqlState: error.sqlState,
                                           statementIndex: error.statementIndex)
            }
        } else if let error = firstError, error.kind != .connectionLost {
            // The connection went while the rest was being read: that is what the
            // caller must react to (reconnect), whatever failed first.
            firstError = PostgresError(kind: .connectionLost, message: "\(error.message); then the connection was lost",
                                       sqlState: error.sqlState, detail: error.detail, constraint: error.constraint,
                                       statementIndex: error.statementIndex)
        }
        return (results, firstError, sent)
    }
}
