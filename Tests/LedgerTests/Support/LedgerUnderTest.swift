import Foundation
import GRDB
@testable import Ledger
import Postgres
import Synchronization
import Testing
import TestSupport

/// The backend the ledger tests run on: SQLite by default, PostgreSQL with
/// `LEDGER_TEST_BACKEND=postgres` (`scripts/test.sh` runs this target both ways). Tests
/// open "the ledger under test" with ``TemporaryDirectory/openLedger(limits:)``; the few
/// that are about SQLite itself (PRAGMAs, the WAL file, file modes, GRDB's migrations
/// table) are enabled on SQLite only, with the reason.
enum LedgerBackendUnderTest: String {
    case sqlite
    case postgres

    static let current: LedgerBackendUnderTest = {
        let value = ProcessInfo.processInfo.environment["LEDGER_TEST_BACKEND"] ?? ""
        if value.isEmpty { return .sqlite }
        guard let backend = LedgerBackendUnderTest(rawValue: value.lowercased()) else {
            fatalError("LEDGER_TEST_BACKEND=\(value): use sqlite or postgres")
        }
        return backend
    }()

    static var isSQLite: Bool { current == .sqlite }
    static var isPostgres: Bool { current == .postgres }
}

/// The PostgreSQL database of each test folder: made on the first open, the same one
/// on every later open of that folder (tests close and reopen their ledger).
private let databases = Mutex<[String: String]>([:])

extension TemporaryDirectory {
    /// Opens the ledger under test for writing: the SQLite file in this folder, or this
    /// folder's own database in the shared test cluster.
    func openLedger(limits: LedgerLimits = LedgerLimits()) throws -> Ledger {
        switch LedgerBackendUnderTest.current {
        case .sqlite: try Ledger.open(path: ledgerPath, limits: limits)
        case .postgres: try Ledger.open(postgres: try postgresConninfo(), password: nil, limits: limits)
        }
    }

    /// Opens the ledger under test for reading, as `tasks` and `show` do.
    func openLedgerForReading() throws -> Ledger {
        switch LedgerBackendUnderTest.current {
        case .sqlite: try Ledger.openForReading(path: ledgerPath)
        case .postgres: try Ledger.openForReading(postgres: try postgresConninfo(), password: nil)
        }
    }

    /// This folder's database in the shared cluster (made on first use).
    func postgresConninfo() throws -> String {
        if let known = databases.withLock({ $0[path] }) { return known }
        let conninfo = try PostgresCluster.shared().createDatabase()
        return databases.withLock { known in
            if let first = known[path] { return first }
            known[path] = conninfo
            return conninfo
        }
    }

    /// Where the ledger under test is, as its errors name it: the file's path, or the
    /// database's `user@host:port/database`.
    func ledgerLocation() throws -> String {
        switch LedgerBackendUnderTest.current {
        case .sqlite: ledgerPath
        case .postgres: PostgresLedgerBackend.location(of: try PostgresConnection(conninfo: try postgresConninfo()))
        }
    }

    /// The name of this folder's database in the shared cluster.
    func postgresDatabaseName() throws -> String {
        let conninfo = try postgresConninfo()
        guard let pair = conninfo.split(separator: " ").first(where: { $0.hasPrefix("dbname=") }) else {
            throw DaemonError("no dbname in \(conninfo)")
        }
        return String(pair.dropFirst("dbname=".count))
    }

    /// A ledger of an older layout, as an earlier videohookd left it: the migrations up
    /// to and including `last`, then `sql` (a script of plain statements, such as the
    /// rows it held). The next ``openLedger(limits:)`` migrates the rest.
    func prepareLedger(upTo last: String, then sql: String) throws {
        switch LedgerBackendUnderTest.current {
        case .sqlite:
            let queue = try DatabaseQueue(path: ledgerPath)
            try LedgerSchema.migrator.migrate(queue, upTo: last)
            try queue.write { try $0.execute(sql: sql) }
        case .postgres:
            let connection = try PostgresConnection(conninfo: try postgresConninfo())
            try PostgresLedgerBackend.migrate(connection, location: "test", upTo: last)
            try connection.simpleQuery(sql)
        }
    }
}

extension Ledger {
    /// Runs `sql` (statements of either dialect's common SQL) in one write transaction of
    /// the backend, for a test that pokes rows under the ledger.
    func testWrite(sql: String, arguments: SQLArguments = []) throws {
        try backend.write { try $0.execute(sql: sql, arguments: arguments) }
    }

    /// Runs a script of statements, each ending with `;` at the end of a line, in one
    /// write transaction (PostgreSQL takes one statement at a time with parameters).
    func testWrite(script: String) throws {
        let statements = script.components(separatedBy: ";\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
        try backend.write { db in
            for statement in statements { try db.execute(sql: statement) }
        }
    }

    /// Runs `body` in one write transaction of the backend (on PostgreSQL it may run
    /// again after a conflict, as every write does).
    func testWrite<T>(_ body: (any LedgerDatabase) throws -> T) throws -> T {
        try backend.write(body)
    }

    /// Runs `body` in one read transaction of the backend.
    func testRead<T>(_ body: (any LedgerDatabase) throws -> T) throws -> T {
        try backend.read(body)
    }

    /// The value of a one-number query (`SELECT count(*) …`).
    func testCount(_ sql: String, arguments: SQLArguments = []) throws -> Int {
        try testRead { try $0.fetchScalar(Int.self, sql: sql, arguments: arguments) } ?? 0
    }

    /// The migrations recorded as applied, oldest first: GRDB's table on SQLite, the
    /// ledger's own on PostgreSQL.
    func appliedMigrations() throws -> [String] {
        let table = backend is PostgresLedgerBackend ? "ledger_migrations" : "grdb_migrations"
        let applied = Set(try testRead { try $0.fetchColumn(String.self, sql: "SELECT identifier FROM \(table)") })
        // In the order they run (PostgreSQL's table keeps no order of its own).
        return LedgerSchema.migrations.map(\.identifier).filter(applied.contains)
            + applied.subtracting(LedgerSchema.migrations.map(\.identifier)).sorted()
    }

    /// Records a migration this videohookd does not know, as a newer one would have.
    func recordUnknownMigration(_ identifier: String) throws {
        let table = backend is PostgresLedgerBackend ? "ledger_migrations" : "grdb_migrations"
        try testWrite(sql: "INSERT INTO \(table) (identifier) VALUES (?)", arguments: [identifier])
    }

    /// The columns of `table`, in order.
    func columns(in table: String) throws -> [String] {
        if backend is PostgresLedgerBackend {
            return try testRead {
                try $0.fetchColumn(String.self, sql: """
                    SELECT column_name FROM information_schema.columns
                    WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position
                    """, arguments: [table])
            }
        }
        return try testRead { try $0.fetchColumn(String.self, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table]) }
    }

    /// Makes every insert into `table` that matches `condition` (`NEW.column = 'x'`, in
    /// SQL both accept) fail with `message`: a write the database refuses.
    func refuseInserts(into table: String, when condition: String, saying message: String) throws {
        if backend is PostgresLedgerBackend {
            try testWrite(sql: """
                CREATE FUNCTION refuse_\(table)() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION '\(message)'; END $$;
                """)
            try testWrite(sql: """
                CREATE TRIGGER refuse_\(table) BEFORE INSERT ON \(table) FOR EACH ROW
                WHEN (\(condition)) EXECUTE FUNCTION refuse_\(table)()
                """)
        } else {
            try pool.write { db in
                try db.execute(sql: """
                    CREATE TEMP TRIGGER refuse_\(table) BEFORE INSERT ON main.\(table)
                    WHEN \(condition) BEGIN SELECT RAISE(ABORT, '\(message)'); END
                    """)
            }
        }
    }
}

/// Whether `error` is the database refusing a row for a constraint (CHECK, UNIQUE,
/// NOT NULL, a foreign key): SQLITE_CONSTRAINT, or PostgreSQL's class 23.
func isConstraintViolation(_ error: any Error) -> Bool {
    if let error = error as? DatabaseError { return error.resultCode == .SQLITE_CONSTRAINT }
    if let error = error as? PostgresError { return error.sqlState?.hasPrefix("23") == true }
    return false
}

/// Expects `sql` to be refused for a constraint (and so to write nothing), on either
/// backend; a failure is reported at the caller's line.
func expectRefused(_ ledger: Ledger, _ sql: String, _ comment: Comment,
                   sourceLocation: SourceLocation = #_sourceLocation) {
    let refused: Bool
    do {
        try ledger.testWrite(sql: sql)
        refused = false
    } catch {
        refused = isConstraintViolation(error)
    }
    #expect(refused, comment, sourceLocation: sourceLocation)
}
