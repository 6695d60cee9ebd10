/// The ledger's SQL on one connection inside one transaction: what every query of the
/// ledger is written against, so that the same statements run on SQLite (GRDB) and on
/// PostgreSQL (libpq). Statements use `?` placeholders; the PostgreSQL side numbers them.
///
/// Where the two dialects differ, ``dialect`` says how to write the fragment; the
/// ledger keeps those few places in ``SQLDialect`` rather than in two copies of a query.
public protocol LedgerDatabase {
    var dialect: SQLDialect { get }
    func execute(sql: String, arguments: SQLArguments) throws
    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow]
    func fetchOne(sql: String, arguments: SQLArguments) throws -> SQLRow?
    /// Rows the last INSERT, UPDATE or DELETE changed.
    var changesCount: Int { get throws }
    /// Runs `body` in a savepoint: when it throws, none of its statements stay and the
    /// error goes on; the surrounding transaction is still usable.
    func inSavepoint(_ body: () throws -> Void) throws
}

extension LedgerDatabase {
    public func execute(sql: String) throws {
        try execute(sql: sql, arguments: [])
    }

    public func fetchAll(sql: String) throws -> [SQLRow] {
        try fetchAll(sql: sql, arguments: [])
    }

    public func fetchOne(sql: String) throws -> SQLRow? {
        try fetchOne(sql: sql, arguments: [])
    }

    /// The first column of the first row; nil when there is no row or it is NULL.
    public func fetchScalar<T: SQLBindable>(_ type: T.Type, sql: String, arguments: SQLArguments = []) throws -> T? {
        try fetchOne(sql: sql, arguments: arguments)?[0]
    }

    /// The first column of every row, NULLs left out.
    public func fetchColumn<T: SQLBindable>(_ type: T.Type, sql: String, arguments: SQLArguments = []) throws -> [T] {
        try fetchAll(sql: sql, arguments: arguments).compactMap { $0[0] }
    }
}

/// The few places where SQLite's and PostgreSQL's SQL differ, as fragments.
public enum SQLDialect: Sendable {
    case sqlite
    case postgres

    /// The smaller of two values (SQLite's two-argument `min`, PostgreSQL's `LEAST`).
    public func least(_ a: String, _ b: String) -> String {
        self == .sqlite ? "min(\(a), \(b))" : "LEAST(\(a), \(b))"
    }

    /// The larger of two values.
    public func greatest(_ a: String, _ b: String) -> String {
        self == .sqlite ? "max(\(a), \(b))" : "GREATEST(\(a), \(b))"
    }

    /// Whether `needle` occurs in `haystack` (both SQL expressions).
    public func contains(_ haystack: String, _ needle: String) -> String {
        self == .sqlite ? "instr(\(haystack), \(needle)) > 0" : "strpos(\(haystack), \(needle)) > 0"
    }

    /// Appended to a claim's SELECT, naming the table (or its alias) whose row is
    /// claimed: on PostgreSQL two instances never take the same row and neither waits
    /// for the other, and the rows joined to it (the task, the event) are not locked;
    /// SQLite has one writer and needs nothing.
    public func skipLocked(of table: String) -> String {
        self == .sqlite ? "" : " FOR UPDATE OF \(table) SKIP LOCKED"
    }

    /// Appended to a SELECT of one row that a write transaction goes on to decide by (a
    /// job's owner): on PostgreSQL the row stays locked until the commit, and a row
    /// another transaction changed since the snapshot makes this one fail as a
    /// serialization conflict (run again, it sees the change). SQLite has one writer.
    public var lockingRow: String {
        self == .sqlite ? "" : " FOR UPDATE"
    }
}

extension SQLDialect {
    /// The text at `key` of a JSON object held in a TEXT column (NULL when absent).
    public func jsonText(_ column: String, key: String) -> String {
        precondition(key.allSatisfy { $0.isLetter || $0 == "_" }, "a JSON key spliced into SQL must be a plain name")
        return self == .sqlite ? "json_extract(\(column), '$.\(key)')" : "((\(column))::jsonb ->> '\(key)')"
    }
}
