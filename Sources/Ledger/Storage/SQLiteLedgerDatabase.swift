import Foundation
import GRDB
import GRDBSQLite

/// ``LedgerDatabase`` on one of GRDB's SQLite connections. Every statement goes through
/// GRDB's statement cache: the intake runs the same few statements for every callback.
struct SQLiteLedgerDatabase: LedgerDatabase {
    let db: Database

    var dialect: SQLDialect { .sqlite }

    func execute(sql: String, arguments: SQLArguments) throws {
        let statement = try db.cachedStatement(sql: sql)
        try bind(arguments, to: statement)
        try statement.execute()
    }

    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        let statement = try db.cachedStatement(sql: sql)
        let columns = SQLRow.Columns(statement.columnNames)
        try bind(arguments, to: statement)
        return try Row.fetchAll(statement).map { Self.row($0, columns) }
    }

    func fetchOne(sql: String, arguments: SQLArguments) throws -> SQLRow? {
        let statement = try db.cachedStatement(sql: sql)
        try bind(arguments, to: statement)
        return try Row.fetchOne(statement).map { Self.row($0, SQLRow.Columns(statement.columnNames)) }
    }

    var changesCount: Int { db.changesCount }

    func inSavepoint(_ body: () throws -> Void) throws {
        try db.inSavepoint {
            try body()
            return .commit
        }
    }

    /// Binds `arguments` with SQLite's own `sqlite3_bind_*`, the way GRDB binds each kind
    /// of value, and leaves the statement for GRDB to run as it is. Not GRDB's
    /// `StatementArguments`: building one from the ledger's values (through
    /// `DatabaseValue` and GRDB's generic initializer, which is not specialized across
    /// the module boundary) and its nested temporary bindings took 15% of the writer
    /// thread's time on the durable-callback bench (issue 24), about as much as SQLite's
    /// own execution of the intake's inserts.
    private func bind(_ arguments: SQLArguments, to statement: Statement) throws {
        let handle = statement.sqliteStatement
        // A reset first, whose error (the statement's last run failed) is thrown here;
        // then GRDB marks the statement's arguments as set and bound, with none of its
        // own, so that its `execute()` and fetches run it with the bindings made below.
        let reset = sqlite3_reset(handle)
        guard reset == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: reset), message: db.lastErrorMessage, sql: statement.sql)
        }
        statement.setUncheckedArguments(StatementArguments())
        guard Int(sqlite3_bind_parameter_count(handle)) == arguments.count else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "wrong number of statement arguments: \(arguments.count)",
                                sql: statement.sql)
        }
        for (offset, argument) in arguments.enumerated() {
            let index = CInt(offset + 1)
            let code: CInt = switch argument.sqlValue {
            case .null: sqlite3_bind_null(handle, index)
            case .integer(let value): sqlite3_bind_int64(handle, index, value)
            case .real(let value): sqlite3_bind_double(handle, index, value)
            // As GRDB binds them: text up to its first NUL, an empty blob as NULL.
            case .text(let value): sqlite3_bind_text(handle, index, value, -1, Self.transient)
            case .blob(let value):
                value.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, CInt($0.count), Self.transient) }
            }
            guard code == SQLITE_OK else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: statement.sql)
            }
        }
    }

    /// SQLite copies the value before the bind returns (`SQLITE_TRANSIENT`, a macro Swift
    /// does not import).
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    private static func row(_ row: Row, _ columns: SQLRow.Columns) -> SQLRow {
        var values: [SQLValue] = []
        values.reserveCapacity(row.count)
        for value in row.databaseValues {
            switch value.storage {
            case .null: values.append(.null)
            case .int64(let value): values.append(.integer(value))
            case .double(let value): values.append(.real(value))
            case .string(let value): values.append(.text(value))
            case .blob(let value): values.append(.blob(value))
            }
        }
        return SQLRow(columns: columns, values: values)
    }
}
