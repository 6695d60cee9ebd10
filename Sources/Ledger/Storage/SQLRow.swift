/// One row of a result, read by column name or position. Both backends hand rows over
/// in this form, so the ledger's record types read them one way.
public struct SQLRow: Sendable {
    /// The result's column names, shared by its rows.
    final class Columns: Sendable {
        let names: [String]
        private let index: [String: Int]

        init(_ names: [String]) {
            self.names = names
            var index: [String: Int] = [:]
            // The first of two columns with one name wins, as in SQLite and GRDB.
            for (position, name) in names.enumerated() where index[name] == nil { index[name] = position }
            self.index = index
        }

        func position(of name: String) -> Int? { index[name] }
    }

    let columns: Columns
    public let values: [SQLValue]

    init(columns: Columns, values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    public var columnNames: [String] { columns.names }

    /// The column's value; NULL for a column the result does not have.
    public func value(_ column: String) -> SQLValue {
        guard let position = columns.position(of: column) else { return .null }
        return values[position]
    }

    /// The column as `T`; nil for NULL (or a value that is not a `T`).
    public subscript<T: SQLBindable>(_ column: String) -> T? {
        T(sqlValue: value(column))
    }

    /// The column as `T`, for columns the schema declares NOT NULL: a NULL there is a
    /// broken ledger, and stops the process as GRDB's own non-optional read did.
    public subscript<T: SQLBindable>(_ column: String) -> T {
        guard let value = T(sqlValue: value(column)) else {
            fatalError("the ledger's column \(column) holds \(value(column)), not a \(T.self)")
        }
        return value
    }

    /// The value at a position (0 is the first column).
    public subscript<T: SQLBindable>(_ position: Int) -> T? {
        guard values.indices.contains(position) else { return nil }
        return T(sqlValue: values[position])
    }
}
