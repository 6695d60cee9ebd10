import Foundation
import GRDB

/// The ledger in one SQLite file in WAL mode, through GRDB: one writer connection, a pool
/// of readers.
///
/// Durability. The file is opened with `journal_mode=WAL` and `synchronous=FULL`: every
/// commit appends to the WAL and fsyncs it before it returns, so an event that was
/// answered 2xx survives `kill -9`, a crash of the daemon, and a power loss too, as far
/// as the disk honours fsync. See ``Ledger``.
final class SQLiteLedgerBackend: LedgerBackend {
    let path: String
    let pool: DatabasePool

    var location: String { path }

    private init(path: String, pool: DatabasePool) {
        self.path = path
        self.pool = pool
    }

    func write<T>(_ body: (any LedgerDatabase) throws -> T) throws -> T {
        try pool.write { try body(SQLiteLedgerDatabase(db: $0)) }
    }

    func claim<T>(_ body: (any LedgerDatabase) throws -> T) throws -> T {
        try write(body)
    }

    func read<T>(_ body: (any LedgerDatabase) throws -> T) throws -> T {
        try pool.read { try body(SQLiteLedgerDatabase(db: $0)) }
    }

    /// Opens the ledger for writing, creating the file (mode 0600: it holds bodies from
    /// outside) and its folder when missing, and migrating its schema.
    static func open(path: String, limits: LedgerLimits = LedgerLimits()) throws(LedgerError) -> SQLiteLedgerBackend {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw .cannotOpen(path: path, reason: "cannot create its folder: \(error.localizedDescription)")
            }
        }
        // An empty file is a new database to SQLite. Made here with mode 0600 rather
        // than by SQLite (0644 less the umask) and narrowed afterwards: SQLite gives the
        // -wal and -shm files it creates the mode the ledger has at that moment, and the
        // WAL holds the same bodies. O_EXCL leaves an existing ledger, and its mode, alone.
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 || errno == EEXIST else {
            throw .cannotOpen(path: path, reason: "cannot create it: \(String(cString: strerror(errno)))")
        }
        if descriptor >= 0 { Glibc.close(descriptor) }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration(limits: limits, readOnly: false))
        } catch {
            throw .cannotOpen(path: path, reason: describe(error))
        }
        do {
            try requireFullSync(pool)
        } catch {
            throw .cannotOpen(path: path, reason: "cannot set synchronous=FULL: \(describe(error))")
        }
        let migrator = LedgerSchema.migrator
        do {
            if try pool.read({ try migrator.hasBeenSuperseded($0) }) { throw LedgerError.schemaTooNew(path: path) }
            try migrator.migrate(pool)
        } catch let error as LedgerError {
            throw error
        } catch {
            throw .cannotOpen(path: path, reason: "migrating the schema failed: \(describe(error))")
        }
        return SQLiteLedgerBackend(path: path, pool: pool)
    }

    /// Opens an existing ledger read-only, beside a running `serve`. Never creates,
    /// never migrates: a missing file or a schema of another version is an error that
    /// says so.
    static func openForReading(path: String) throws(LedgerError) -> SQLiteLedgerBackend {
        guard FileManager.default.fileExists(atPath: path) else { throw .notFound(path: path) }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration(limits: LedgerLimits(), readOnly: true))
        } catch {
            var reason = describe(error)
            if let code = (error as? DatabaseError)?.resultCode, code == .SQLITE_READONLY || code == .SQLITE_CANTOPEN {
                // A WAL reader needs the -shm file beside the ledger, and creates it when
                // `serve` is not running: that takes write access to the folder.
                reason += "; reading needs read access to the ledger and write access to its folder (run as the user `serve` runs as)"
            }
            throw .cannotOpen(path: path, reason: reason)
        }
        let migrator = LedgerSchema.migrator
        do {
            let (superseded, complete) = try pool.read { db in
                (try migrator.hasBeenSuperseded(db), try migrator.hasCompletedMigrations(db))
            }
            if superseded { throw LedgerError.schemaTooNew(path: path) }
            if !complete { throw LedgerError.schemaTooOld(path: path) }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw .cannotOpen(path: path, reason: describe(error))
        }
        return SQLiteLedgerBackend(path: path, pool: pool)
    }

    /// Copies the WAL into the database file, empties it, and closes every connection.
    /// Close the ``LedgerWriter`` first; any use of the ledger afterwards fails.
    func close() throws(LedgerError) {
        do {
            // Best effort: a reader in another process may hold the WAL; the next open
            // checkpoints then. GRDB closes its read-only connections last, and those
            // cannot remove the WAL, so truncating it here is what leaves it empty.
            try? pool.writeWithoutTransaction { _ = try $0.checkpoint(.truncate) }
            try pool.close()
        } catch {
            throw .unavailable(reason: "closing the ledger failed: \(Self.describe(error))")
        }
    }

    private static func configuration(limits: LedgerLimits, readOnly: Bool) -> Configuration {
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.label = "videohookd.ledger"
        configuration.busyMode = .timeout(limits.busyTimeout)
        if !readOnly {
            configuration.prepareDatabase { db in
                // Truncate the WAL back to this size after a checkpoint, so a burst does
                // not leave a large file behind.
                try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
            }
        }
        return configuration
    }

    /// Sets `synchronous=FULL` on the pool's one writer connection and checks it took.
    /// It cannot go in `prepareDatabase`: GRDB switches a pool's writer to WAL after
    /// that hook, and sets `synchronous=NORMAL` as it does.
    private static func requireFullSync(_ pool: DatabasePool) throws {
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            let level = try Int.fetchOne(db, sql: "PRAGMA synchronous")
            guard level == 2 else {
                throw LedgerError.cannotOpen(path: db.description, reason: "synchronous is \(level ?? -1), not FULL (2)")
            }
        }
    }

    private static func describe(_ error: any Error) -> String {
        if let databaseError = error as? DatabaseError { return LedgerError.sqliteText(databaseError) }
        return "\(error)"
    }
}

extension Ledger {
    /// The SQLite file's connection pool, for tests that look under the ledger; nil on PostgreSQL.
    var pool: DatabasePool! { (backend as? SQLiteLedgerBackend)?.pool }
}
