import Foundation
import Synchronization

/// The daemon's record of what it was told: tasks, their distinct events, download
/// jobs, and the bodies it could not take. Its queries are written once, against
/// ``LedgerDatabase``; a ``LedgerBackend`` runs them: a SQLite file in WAL mode, through
/// GRDB (``SQLiteLedgerBackend``), or a PostgreSQL database that several instances share
/// (``PostgresLedgerBackend``, through libpq).
///
/// Durability on SQLite. The file is opened with `journal_mode=WAL` and `synchronous=FULL`: every
/// commit appends to the WAL and fsyncs it before `record` returns, so an event that was
/// answered 2xx survives `kill -9`, a crash of the daemon, and a power loss or kernel
/// panic too, as far as the disk honours fsync (a drive that acknowledges writes still
/// in a volatile cache, without a barrier, can lose them; that is the hardware's
/// promise, not ours). `synchronous=NORMAL` would skip that fsync in WAL mode and keep
/// only the crash guarantee; FULL costs one fsync (about 0.13 ms on the work disk) per
/// transaction, and ``LedgerWriter`` commits every waiting callback in one transaction,
/// so the cost is paid once per batch, not once per callback.
///
/// Readers (the `tasks` and `show` commands, metrics) open the same file from another
/// process with ``openForReading(path:)``; in WAL mode they see the last commit and
/// never block the writer.
public final class Ledger: Sendable {
    /// Where the ledger is: the SQLite file's path (or, on PostgreSQL, the database's
    /// URL without its password), for messages.
    public var path: String { backend.location }
    public let limits: LedgerLimits
    let backend: any LedgerBackend
    private let transactionCount = Atomic<Int>(0)
    let outboxHook = OutboxHook()
    /// Who this ledger claims work as: the `owner` of the jobs and deliveries it takes,
    /// and the id `serve` registers in `instances` (``registerInstance(host:pid:version:now:)``).
    /// Made when the ledger is opened (`inst_` and 16 random hex digits), so two
    /// `Ledger`s on one database are two instances, and a restart is a new one.
    public let instanceID: String

    init(backend: any LedgerBackend, limits: LedgerLimits) {
        self.backend = backend
        self.limits = limits
        instanceID = Self.makeInstanceID()
    }

    /// Whether several instances may share this ledger (PostgreSQL): then work another
    /// instance holds is left alone at start, and only what its owner stopped or let
    /// lapse is taken over. On SQLite one process owns the state folder.
    public var isShared: Bool { backend is PostgresLedgerBackend }

    /// The last migration this videohookd knows: what `instances.version` records, so
    /// that `videohookd instances` shows which instances run an older binary.
    public static var schemaVersion: String { LedgerSchema.migrations.last?.identifier ?? "none" }

    static func makeInstanceID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bits = generator.next() as UInt64
        let hex = String(bits, radix: 16)
        return "inst_" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Opens the SQLite ledger for writing, creating the file (mode 0600: it holds bodies
    /// from outside) and its folder when missing, and migrating its schema.
    public static func open(path: String, limits: LedgerLimits = LedgerLimits()) throws(LedgerError) -> Ledger {
        Ledger(backend: try SQLiteLedgerBackend.open(path: path, limits: limits), limits: limits)
    }

    /// Opens an existing SQLite ledger read-only, beside a running `serve`. Never
    /// creates, never migrates: a missing file or a schema of another version is an
    /// error that says so.
    public static func openForReading(path: String) throws(LedgerError) -> Ledger {
        Ledger(backend: try SQLiteLedgerBackend.openForReading(path: path), limits: LedgerLimits())
    }

    /// Opens the PostgreSQL ledger that several instances share, for writing: connects,
    /// migrates the schema under an advisory lock (one instance at a time; each
    /// migration in its own transaction, recorded in `ledger_migrations`), and refuses a
    /// schema written by a newer videohookd (``LedgerError/schemaTooNew(path:)``).
    ///
    /// - Parameters:
    ///   - conninfo: a libpq connection string, a URL (`postgresql://user@host:5432/db?sslmode=verify-full`)
    ///     or `key=value` pairs; what it leaves out comes from libpq's `PG*` variables.
    ///   - password: kept apart from the URL (`ledger.password_file`), never in a message.
    ///
    /// Every connection runs with `synchronous_commit` on, so a commit is durable when
    /// `record` returns. ``path`` is then `user@host:port/database`, without the password.
    public static func open(postgres conninfo: String, password: String?,
                            limits: LedgerLimits = LedgerLimits()) throws(LedgerError) -> Ledger {
        Ledger(backend: try PostgresLedgerBackend.open(conninfo: conninfo, password: password, limits: limits),
               limits: limits)
    }

    /// Opens an existing PostgreSQL ledger to read it, beside running instances. Never
    /// migrates: a database without the ledger (``LedgerError/notFound(path:)``) or with
    /// a schema of another version is an error that says so; writes are refused.
    public static func openForReading(postgres conninfo: String, password: String?) throws(LedgerError) -> Ledger {
        Ledger(backend: try PostgresLedgerBackend.openForReading(conninfo: conninfo, password: password),
               limits: LedgerLimits())
    }

    /// Makes the ledger durable and closes every connection. Close the ``LedgerWriter``
    /// first; any use of the ledger afterwards fails.
    public func close() throws(LedgerError) {
        try backend.close()
    }

    /// Write transactions committed since this ledger was opened: with
    /// ``recordedWriteCount`` it shows how well group commit batches.
    public var writeTransactionCount: Int { transactionCount.load(ordering: .relaxed) }

    func countTransaction() {
        transactionCount.add(1, ordering: .relaxed)
    }
}
