import CLibPQ
import Glibc

/// One connection to PostgreSQL through libpq, used synchronously by one thread: each
/// call sends, waits for the answer and returns it, which is what the ledger's writer
/// thread wants. Statements take `$1`, `$2` ... parameters (``PostgresValue``) and return
/// their rows in text format (``PostgresResult``).
///
/// Not `Sendable`, on purpose: a libpq connection may not be used by two threads at
/// once. Make it on the thread that uses it, or hand it over (`sending`) and never
/// touch it from the first thread again.
///
/// Every failure is a ``PostgresError`` whose `kind` says what to do: reconnect with
/// ``reset()`` after `connectionLost`, run the work again after a serialization failure
/// or a deadlock, and never answer 2xx after `commitOutcomeUnknown`.
public final class PostgresConnection {
    /// The libpq `PGconn`: never nil, `PQfinish`ed in `deinit`.
    let connection: OpaquePointer
    /// Taken out of every error message: the password given, and one in the conninfo.
    private let secrets: [String]
    private var traceFile: UnsafeMutablePointer<FILE>?
    /// The statements ``execute(_:_:)`` prepared on this session, by text and parameter types.
    var prepared = PreparedStatements()

    /// Connects, and throws `connectionLost` with libpq's reason when it cannot.
    ///
    /// - Parameters:
    ///   - conninfo: a libpq connection string, as a URL (`postgresql://user@host:5432/db?sslmode=verify-full`)
    ///     or `key=value` pairs (`host=/run/postgresql dbname=ledger`). What it leaves out
    ///     comes from libpq's `PG*` environment variables (`PGHOST`, `PGPORT`, `PGUSER`,
    ///     `PGPASSFILE`, `PGSSLMODE` ...) and then libpq's defaults, as for `psql`. Empty:
    ///     everything from there.
    ///   - password: passed to libpq as the `password` keyword, so that it is never part of
    ///     a URL, a log line or an error message. It wins over one in `conninfo`.
    ///
    /// Two settings are the client's own: `client_encoding` is always UTF8 (strings are
    /// read as UTF-8), and `connect_timeout` is 10 s unless the conninfo or
    /// `PGCONNECT_TIMEOUT` says otherwise, so that a host that does not answer cannot hold
    /// the ledger's thread for the kernel's minutes. `application_name` falls back to
    /// `videohookd`.
    public init(conninfo: String, password: String? = nil) throws(PostgresError) {
        let parsed = try Self.parse(conninfo)
        secrets = [password, parsed["password"]].compactMap { $0 }.filter { !$0.isEmpty }

        // Processed in order, a later non-empty value winning: defaults before the
        // expanded conninfo (`dbname` with expand_dbname), what must hold after it.
        var parameters: [(String, String)] = [("fallback_application_name", "videohookd")]
        if getenv("PGCONNECT_TIMEOUT") == nil { parameters.append(("connect_timeout", "10")) }
        parameters.append(("dbname", conninfo))
        parameters.append(("client_encoding", "UTF8"))
        if let password, !password.isEmpty { parameters.append(("password", password)) }

        let keywords = parameters.map { UnsafePointer(strdup($0.0)) } + [nil]
        let values = parameters.map { UnsafePointer(strdup($0.1)) } + [nil]
        defer {
            for pointer in keywords { free(UnsafeMutablePointer(mutating: pointer)) }
            for pointer in values { free(UnsafeMutablePointer(mutating: pointer)) }
        }
        guard let connection = PQconnectdbParams(keywords, values, 1) else {
            throw PostgresError(kind: .connectionLost, message: "libpq could not allocate a connection")
        }
        self.connection = connection
        guard PQstatus(connection) == CONNECTION_OK else {
            // Every stored property is set: `deinit` runs, and PQfinish with it.
            throw PostgresError(kind: .connectionLost, message: scrub(Self.errorMessage(connection)))
        }
        // NOTICEs (`IF NOT EXISTS ... skipping`) would go to stderr: the daemon's is
        // not a place for them.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
    }

    deinit {
        PQfinish(connection)
        if let traceFile { fclose(traceFile) }
    }

    // MARK: Statements

    /// Runs one statement with its parameters (`$1` is `parameters[0]`; nil is NULL)
    /// through the extended protocol, and returns its result. The parameters travel
    /// apart from the SQL text: nothing needs quoting.
    ///
    /// Each statement is prepared on the session the first time it runs with these
    /// parameter types, and executed by name after that: the server parses and plans
    /// it once, which is most of its CPU for the ledger's short statements.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [PostgresValue?] = []) throws(PostgresError) -> PostgresResult {
        let encoded = try PostgresParameters(parameters)
        guard let name = try preparedName(sql, types: encoded.types) else {
            return try take(PQexecParams(connection, sql, encoded.count, encoded.types, encoded.values, encoded.lengths,
                                         encoded.formats, 0))
        }
        do {
            return try take(PQexecPrepared(connection, name, encoded.count, encoded.values, encoded.lengths,
                                           encoded.formats, 0))
        } catch where error.isStalePlan {
            // A table changed under the prepared plan (another instance migrated it).
            // Every plan of this session may be stale: drop them all, and let the caller
            // run its transaction again, which this error has ended.
            forgetPreparedStatements()
            throw PostgresError(kind: .staleStatement, message: error.message, sqlState: error.sqlState)
        }
    }

    /// Runs a script of statements separated by semicolons through the simple protocol
    /// (no parameters), such as a migration; returns each statement's result. Without a
    /// BEGIN/COMMIT of its own, the server runs the whole script as one transaction: a
    /// failure leaves none of it done.
    @discardableResult
    public func simpleQuery(_ sql: String) throws(PostgresError) -> [PostgresResult] {
        guard PQsendQuery(connection, sql) == 1 else { throw connectionError() }
        var results: [PostgresResult] = []
        var firstError: PostgresError?
        while let result = PQgetResult(connection) {
            do throws(PostgresError) {
                results.append(try take(result))
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
        return results
    }

    // MARK: The connection

    /// True while the connection is up as far as can be told without a round trip: libpq
    /// has not seen it fail, and what the socket already holds (read without waiting)
    /// is no goodbye. A server that stopped or ended this session shows here; a host
    /// that vanished without a word shows only when a statement times out.
    public var isAlive: Bool { stillConnected() }

    /// Connects again with the same parameters (`PQreset`). An open transaction is gone:
    /// the server rolled it back when the old connection went.
    public func reset() throws(PostgresError) {
        prepared = PreparedStatements()
        PQreset(connection)
        guard PQstatus(connection) == CONNECTION_OK else {
            throw PostgresError(kind: .connectionLost, message: scrub(Self.errorMessage(connection)))
        }
    }

    /// The server's version as a number: 150018 for 15.18 (major × 10000 + minor).
    public var serverVersion: Int { Int(PQserverVersion(connection)) }

    /// The server process serving this connection (`pg_backend_pid()`).
    public var backendPID: Int32 { PQbackendPID(connection) }

    /// Where the connection went, as libpq resolved it from the conninfo, the `PG*`
    /// variables and its defaults: the role, the host (a name, an address, or the
    /// directory of a Unix socket), the port and the database. Never the password.
    public var endpoint: (user: String, host: String, port: String, database: String) {
        func text(_ value: UnsafeMutablePointer<CChar>?) -> String { value.map { String(cString: $0) } ?? "" }
        return (text(PQuser(connection)), text(PQhost(connection)), text(PQport(connection)), text(PQdb(connection)))
    }

    /// Writes every protocol message sent (`F`) and received (`B`) to `path`, one a line,
    /// without timestamps (libpq's `PQtrace`): to see the round trips a batch takes.
    /// Parameter values are in it: not for a production log.
    public func startTrace(path: String) throws(PostgresError) {
        stopTrace()
        guard let file = fopen(path, "w") else {
            throw .misuse("cannot open \(path) for the trace: \(String(cString: strerror(errno)))")
        }
        setvbuf(file, nil, _IOLBF, 0)
        PQtrace(connection, file)
        PQsetTraceFlags(connection, PQTRACE_SUPPRESS_TIMESTAMPS)
        traceFile = file
    }

    public func stopTrace() {
        guard let traceFile else { return }
        PQuntrace(connection)
        fclose(traceFile)
        self.traceFile = nil
    }

    // MARK: Results and errors

    /// The result of one statement, copied and freed; a failure as its error.
    func take(_ result: OpaquePointer?) throws(PostgresError) -> PostgresResult {
        guard let result else { throw connectionError() }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PostgresResult(copying: result)
        case PGRES_PIPELINE_ABORTED:
            throw .misuse("not run: an earlier statement in the pipeline failed")
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            throw .misuse("COPY is not supported by this client")
        default:
            throw error(from: result)
        }
    }

    /// The error a failed result carries, sorted by its SQLSTATE, or as a lost
    /// connection when libpq has seen the connection fail.
    private func error(from result: OpaquePointer) -> PostgresError {
        func field(_ code: UInt8) -> String? {
            PQresultErrorField(result, Int32(code)).map { scrub(String(cString: $0)) }
        }
        // PG_DIAG_SQLSTATE 'C', PG_DIAG_MESSAGE_PRIMARY 'M', PG_DIAG_MESSAGE_DETAIL 'D',
        // PG_DIAG_CONSTRAINT_NAME 'n' (postgres_ext.h): character macros.
        let sqlState = field(UInt8(ascii: "C"))
        let message = field(UInt8(ascii: "M")) ?? scrub(Self.trimmed(String(cString: PQresultErrorMessage(result))))
        // An error without a SQLSTATE is libpq's own. When a write failed (the server had
        // gone), libpq reports it before a read has seen the close: look.
        let lost = PQstatus(connection) != CONNECTION_OK || (sqlState == nil && !stillConnected())
        let kind = lost ? .connectionLost : PostgresError.kind(sqlState: sqlState)
        return PostgresError(kind: kind, message: message, sqlState: sqlState, detail: field(UInt8(ascii: "D")),
                             constraint: field(UInt8(ascii: "n")))
    }

    /// libpq's error for a call that failed without a result (a send refused, a
    /// connection gone).
    func connectionError() -> PostgresError {
        let lost = !stillConnected()
        var message = scrub(Self.errorMessage(connection))
        if message.isEmpty { message = lost ? "the connection is closed" : "libpq refused the call" }
        return PostgresError(kind: lost ? .connectionLost : .other, message: message)
    }

    /// Reads and parses what the socket already holds, without waiting: false when that
    /// shows the connection closed. A server that ends a session (stopped, restarted,
    /// `pg_terminate_backend`) sends an ErrorResponse or a NoticeResponse and then
    /// closes; libpq sees the close only on a read after the one that brought the
    /// message, hence the loop while the socket stays readable.
    func stillConnected() -> Bool {
        for _ in 0..<16 {
            guard PQstatus(connection) == CONNECTION_OK else { return false }
            var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
            guard descriptor.fd >= 0 else { return false }
            switch poll(&descriptor, 1, 0) {
            case 0: return true
            case let ready where ready < 0: if errno != EINTR { return true }
            default:
                guard PQconsumeInput(connection) == 1 else { return false }
                // Parses it: an idle-time ERROR goes to the notice processor.
                _ = PQisBusy(connection)
            }
        }
        return PQstatus(connection) == CONNECTION_OK
    }

    /// A transaction is open (or failed and not yet rolled back). False on a closed
    /// connection, whose transaction the server has rolled back.
    public var inTransaction: Bool {
        let status = PQtransactionStatus(connection)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    func scrub(_ text: String) -> String {
        secrets.reduce(text) { $0.replacing($1, with: "[redacted]") }
    }

    private static func errorMessage(_ connection: OpaquePointer) -> String {
        trimmed(String(cString: PQerrorMessage(connection)))
    }

    private static func trimmed(_ text: String) -> String {
        String(text.split(whereSeparator: \.isNewline).map { $0.trimmingSpaces() }.joined(separator: " "))
    }

    /// The conninfo's keywords and values as libpq reads them, to learn a password it
    /// holds. When it does not parse, libpq's reason is passed on with every quoted part
    /// left out: libpq quotes the offending piece, which may be the password itself.
    private static func parse(_ conninfo: String) throws(PostgresError) -> [String: String] {
        // What libpq expands: a URL or key=value pairs; anything else is a database name.
        guard conninfo.contains("=") || conninfo.hasPrefix("postgresql://") || conninfo.hasPrefix("postgres://") else {
            return [:]
        }
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &errorMessage) else {
            var reason = "libpq could not parse it"
            if let errorMessage {
                reason = trimmed(String(cString: errorMessage))
                    .split(separator: "\"", omittingEmptySubsequences: false).enumerated()
                    .map { $0.offset % 2 == 0 ? String($0.element) : "…" }.joined(separator: "\"")
                PQfreemem(errorMessage)
            }
            throw .misuse("the connection string does not parse: \(reason)")
        }
        defer { PQconninfoFree(options) }
        var found: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { found[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        return found
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map(index(after:)) ?? start
        return self[start..<end]
    }
}
