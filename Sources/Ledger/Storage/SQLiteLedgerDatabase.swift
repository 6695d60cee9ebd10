import Foundation
import GRDB

/// ``LedgerDatabase`` on one of GRDB's SQLite connections. Every statement goes through
/// GRDB's statement cache: the intake runs the same few statements for every callback.
struct SQLiteLedgerDatabase: LedgerDatabase {
    let db: Database

    var dialect: SQLDialect { .sqlite }

    func execute(sql: String, arguments: SQLArguments) throws {
        try db.cachedStatement(sql: sql).execute(arguments: Self.arguments(arguments))
    }

    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        let statement = try db.cachedStatement(sql: sql)
        let columns = SQLRow.Columns(statement.columnNames)
        return try Row.fetchAll(statement, arguments: Self.arguments(arguments)).map { Self.row($0, columns) }
    }

    func fetchOne(sql: String, arguments: SQLArguments) throws -> SQLRow? {
        let statement = try db.cachedStatement(sql: sql)
        return try Row.fetchOne(statement, arguments: Self.arguments(arguments))
            .map { Self.row($0, SQLRow.Columns(statement.columnNames)) }
    }

    var changesCount: Int { db.changesCount }

    func inSavepoint(_ body: () throws -> Void) throws {
        try db.inSavepoint {
            try body()
            return .commit
        }
    }

    private static func arguments(_ arguments: SQLArguments) -> StatementArguments {
        StatementArguments(arguments.map { databaseValue($0.sqlValue) })
    }

    private static func databaseValue(_ value: SQLValue) -> DatabaseValue {
        switch value {
        case .null: .null
        case .integer(let value): value.databaseValue
        case .real(let value): value.databaseValue
        case .text(let value): value.databaseValue
        case .blob(let value): value.databaseValue
        }
    }

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
