import Foundation
import Postgres
import Synchronization

/// The ledger in a PostgreSQL database that several instances share (issue 21): a pool
/// of libpq connections, one transaction per connection at a time.
///
/// **Writes** run `SERIALIZABLE`. Two instances may take retries of one callback at the
/// same instant; when PostgreSQL aborts one of two conflicting transactions (40001
/// serialization failure, 40P01 deadlock; and once for a 23505 unique violation that
/// escaped the body, which a concurrent insert can cause), the whole body runs again from
/// the start, on a fresh snapshot, after a short jittered pause, for up to `busyTimeout`
/// seconds (then the write is unavailable, 503): the second run sees the first's
/// rows and counts a duplicate. The bodies are plain database work, safe to run again.
/// A connection lost during the body (nothing committed) is replaced and the body runs
/// once more.
///
/// **Claims** (``claim(_:)``) run `READ COMMITTED`, where `FOR UPDATE SKIP LOCKED` is
/// meant to be used: a claimer skips the rows another holds and re-checks a row another
/// changed since its statement began, so two instances never take one job and neither
/// waits for the other. Under SERIALIZABLE, two claimers that each read the queue and
/// each take a different row form a read-write cycle and one is aborted: correct, but
/// every concurrent claim would pay a retry.
///
/// **Reads** run `REPEATABLE READ READ ONLY`: one snapshot for the whole read.
///
/// **Durability.** 2xx only after a durable commit: every connection runs with
/// `synchronous_commit` on (set for the session when the server's default is `off`), so
/// COMMIT returns once the commit record is flushed. A connection lost while COMMIT was
/// on its way is `commitOutcomeUnknown`, which the intake answers 503 (never 2xx): the
/// API's retry finds the committed rows (a duplicate) or none (recorded anew).
final class PostgresLedgerBackend: LedgerBackend {
    let location: String
    let pool: PostgresConnectionPool
    private let statements = PostgresStatementCache()
    /// Opened for reading: writes are refused without a round trip.
    private let readOnly: Bool

    /// How long a transaction that keeps losing conflicts runs again before the write
    /// fails (as unavailable: the API's retry comes later), in seconds: the limits'
    /// `busyTimeout`, as long as a SQLite write waits for a lock.
    private let conflictBudget: Double
    /// Transactions run again after a conflict since the ledger was opened: how often
    /// instances collide (for tests, later for a metric).
    let conflictRetries = Atomic<Int>(0)

    private init(location: String, pool: PostgresConnectionPool, readOnly: Bool, conflictBudget: Double) {
        self.location = location
        self.pool = pool
        self.readOnly = readOnly
        self.conflictBudget = conflictBudget
    }

    func write<T>(_ body: (any LedgerDatabase) throws -> T) throws -> T {
        guard !readOnly else { throw LedgerError.unavailable(reason: "the ledger at \(location) was opened for reading") }
        return try run(begin: "BEGIN ISOLATION LEVEL SERIALIZABLE", body)
    }

    func claim<T>(_ body: (any LedgerDatabase) throws -> T) throws -> T {
        guard !readOnly else { throw LedgerError.unavailable(reason: "the ledger at \(location) was opened for reading") }
        return try run(begin: "BEGIN ISOLATION LEVEL READ COMMITTED", body)
    }

    func read<T>(_ body: (any LedgerDatabase) throws -> T) throws -> T {
        try run(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    func close() throws(LedgerError) {
        pool.close()
    }

    /// One transaction on a pooled connection, run again as long as PostgreSQL aborts it
    /// for a conflict (for up to ``conflictBudget`` seconds), and once more after its
    /// connection was lost before COMMIT.
    private func run<T>(begin: String, _ body: (any LedgerDatabase) throws -> T) throws -> T {
        var attempt = 0
        var reconnected = false
        let started = ContinuousClock.now
        let budget = Duration.milliseconds(Int64(conflictBudget * 1000))
        while true {
            attempt += 1
            do {
                return try pool.withConnection { connection in
                    let transaction = try PostgresTransaction(connection: connection, begin: begin)
                    let value: T
                    do {
                        value = try body(PostgresLedgerDatabase(transaction: transaction, statements: statements))
                    } catch {
                        transaction.rollback()
                        throw error
                    }
                    try transaction.commit()
                    return value
                }
            } catch let failure as PostgresConnectionPool.ConnectFailure {
                throw failure.error
            } catch let error as PostgresError {
                switch error.kind {
                case .serializationFailure, .deadlock, .staleStatement:
                    guard ContinuousClock.now - started < budget else { throw error }
                    conflictRetries.add(1, ordering: .relaxed)
                    Self.pause(attempt: attempt)
                case .uniqueViolation:
                    // Once: a row a concurrent transaction inserted is in the next run's
                    // snapshot, which then finds it; a second refusal is the write's own.
                    guard attempt == 1 else { throw error }
                    conflictRetries.add(1, ordering: .relaxed)
                    Self.pause(attempt: attempt)
                case .connectionLost where !reconnected:
                    // Nothing was committed: a fresh connection runs it again, once.
                    reconnected = true
                default:
                    throw error
                }
            }
        }
    }

    /// A short pause before a conflicting transaction runs again, drawn at random up to
    /// a ceiling that doubles with each attempt (1 ms, 2 ms, … at most 50 ms), so that
    /// the transactions that collided do not collide again in step.
    private static func pause(attempt: Int) {
        let ceiling = min(1_000 << min(attempt, 6), 50_000)
        usleep(UInt32.random(in: 100...UInt32(ceiling)))
    }

    // MARK: Opening

    /// The key of the session-level advisory lock under which the schema is migrated
    /// (and checked), so that two instances starting at once migrate one at a time. A
    /// fixed number: "videohoo" in ASCII.
    static let migrationLockKey: Int64 = 0x7669_6465_6F68_6F6F

    /// Connects, migrates the schema under the advisory lock (each migration in its own
    /// transaction, recorded in `ledger_migrations`), and refuses a schema written by a
    /// newer videohookd.
    static func open(conninfo: String, password: String?, limits: LedgerLimits) throws(LedgerError) -> PostgresLedgerBackend {
        let (connection, location) = try connect(conninfo: conninfo, password: password)
        do {
            try connection.execute("SELECT pg_advisory_lock($1)", [.int64(migrationLockKey)])
            defer { _ = try? connection.execute("SELECT pg_advisory_unlock($1)", [.int64(migrationLockKey)]) }
            try migrate(connection, location: location)
        } catch let error as LedgerError {
            throw error
        } catch {
            throw .cannotOpen(path: location, reason: "migrating the schema failed: \(describe(error))")
        }
        return backend(location: location, first: connection, conninfo: conninfo, password: password, limits: limits,
                       readOnly: false)
    }

    /// Runs the migrations `connection`'s database lacks, in order, each in its own
    /// transaction with its row in `ledger_migrations` (made when missing), up to and
    /// including `last` (all when nil). Call it under ``migrationLockKey``.
    static func migrate(_ connection: PostgresConnection, location: String, upTo last: String? = nil) throws {
        try connection.execute("CREATE TABLE IF NOT EXISTS ledger_migrations (identifier TEXT PRIMARY KEY NOT NULL)")
        let applied = try appliedMigrations(connection)
        let known = Set(PostgresLedgerSchema.migrations.map(\.identifier))
        if !applied.isSubset(of: known) { throw LedgerError.schemaTooNew(path: location) }
        for migration in PostgresLedgerSchema.migrations {
            if !applied.contains(migration.identifier) {
                do {
                    try connection.transaction {
                        // Empty: a migration SQLite alone needs (``LedgerSchema``), recorded only.
                        if !migration.sql.isEmpty { try connection.simpleQuery(migration.sql) }
                        try connection.execute("INSERT INTO ledger_migrations (identifier) VALUES ($1)",
                                               [.string(migration.identifier)])
                    }
                } catch {
                    throw LedgerError.cannotOpen(path: location,
                                                 reason: "migration \(migration.identifier) failed: \(describe(error))")
                }
            }
            if migration.identifier == last { break }
        }
    }

    /// Connects to an existing ledger to read it. Never migrates: a database without the
    /// ledger, or with a schema of another version, is an error that says so.
    static func openForReading(conninfo: String, password: String?) throws(LedgerError) -> PostgresLedgerBackend {
        let (connection, location) = try connect(conninfo: conninfo, password: password)
        do {
            let exists = try connection.execute("SELECT to_regclass('ledger_migrations') IS NOT NULL").singleRow()
                .decode(Bool.self, at: 0)
            guard exists else { throw LedgerError.notFound(path: location) }
            let applied = try appliedMigrations(connection)
            let known = PostgresLedgerSchema.migrations.map(\.identifier)
            if !applied.isSubset(of: Set(known)) { throw LedgerError.schemaTooNew(path: location) }
            if !Set(known).isSubset(of: applied) { throw LedgerError.schemaTooOld(path: location) }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw .cannotOpen(path: location, reason: describe(error))
        }
        return backend(location: location, first: connection, conninfo: conninfo, password: password,
                       limits: LedgerLimits(), readOnly: true)
    }

    private static func backend(location: String, first: sending PostgresConnection, conninfo: String, password: String?,
                                limits: LedgerLimits, readOnly: Bool) -> PostgresLedgerBackend {
        let pool = PostgresConnectionPool(size: limits.maxConnections, waitTimeout: limits.busyTimeout) {
            () throws(PostgresError) -> PostgresConnection in
            try session(PostgresConnection(conninfo: conninfo, password: password))
        }
        pool.add(first)
        return PostgresLedgerBackend(location: location, pool: pool, readOnly: readOnly,
                                     conflictBudget: limits.busyTimeout)
    }

    /// The first connection, made ready, and where it went (for messages).
    private static func connect(conninfo: String, password: String?) throws(LedgerError)
        -> (PostgresConnection, String)
    {
        let connection: PostgresConnection
        do {
            connection = try session(PostgresConnection(conninfo: conninfo, password: password))
        } catch {
            let location = describeLocation(conninfo: conninfo)
            throw .cannotOpen(path: location, reason: describe(error))
        }
        return (connection, location(of: connection))
    }

    /// A new connection's session settings. `synchronous_commit` must not be `off`: a
    /// COMMIT would then return before its record is on the disk, and a callback
    /// answered 2xx could be lost in a crash of the server. `on`, `local`,
    /// `remote_write` and `remote_apply` all flush locally first; `off` (a database's
    /// or role's default, or the server's) is turned back on for this session.
    private static func session(_ connection: PostgresConnection) throws(PostgresError) -> PostgresConnection {
        let level = try connection.execute("SELECT current_setting('synchronous_commit')").singleRow()
            .decode(String.self, at: 0)
        if level == "off" {
            try connection.execute("SET synchronous_commit = on")
        }
        return connection
    }

    private static func appliedMigrations(_ connection: PostgresConnection) throws(PostgresError) -> Set<String> {
        var applied: Set<String> = []
        for row in try connection.execute("SELECT identifier FROM ledger_migrations").rows {
            applied.insert(try row.decode(String.self, at: 0))
        }
        return applied
    }

    /// `user@host:port/database` of a live connection: never its password.
    static func location(of connection: PostgresConnection) -> String {
        let endpoint = connection.endpoint
        return "\(endpoint.user)@\(endpoint.host):\(endpoint.port)/\(endpoint.database)"
    }

    /// Where a connection string points, for a message when it could not connect: the
    /// URL without its password, or the host, port, user and database of key=value
    /// pairs (nothing else: a quoted value could hold anything).
    static func describeLocation(conninfo: String) -> String {
        if conninfo.hasPrefix("postgresql://") || conninfo.hasPrefix("postgres://") {
            guard var components = URLComponents(string: conninfo) else { return "the PostgreSQL ledger" }
            components.password = nil
            components.queryItems = components.queryItems?.filter { $0.name.lowercased() != "password" }
            if components.queryItems?.isEmpty == true { components.queryItems = nil }
            return components.string ?? "the PostgreSQL ledger"
        }
        let safe = ["host=", "hostaddr=", "port=", "user=", "dbname="]
        let pairs = conninfo.split(separator: " ").filter { pair in
            safe.contains { pair.hasPrefix($0) } && !pair.contains("'") && !pair.contains("\\")
        }
        return pairs.isEmpty ? "the PostgreSQL ledger" : pairs.joined(separator: " ")
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? PostgresError { return error.description }
        return "\(error)"
    }
}
