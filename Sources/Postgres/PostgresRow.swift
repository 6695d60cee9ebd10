/// One row of a ``PostgresResult``: its values in PostgreSQL's text format, read by
/// column position or name as the Swift type asked for.
///
/// ```swift
/// let id = try row.decode(Int64.self, at: 0)
/// let note = try row.decode(String?.self, column: "note")   // nil for NULL
/// ```
/// A non-optional type refuses NULL, and every type refuses a column whose SQL type does
/// not fit it (``PostgresDecodable``): both with an error that names the column.
public struct PostgresRow: Sendable {
    public let columns: [PostgresResult.Column]
    /// The text form of each value, nil for NULL.
    let values: [String?]

    public var count: Int { values.count }

    public func isNull(at index: Int) throws(PostgresError) -> Bool {
        try checked(index)
        return values[index] == nil
    }

    public func decode<T: PostgresDecodable>(_ type: T.Type, at index: Int) throws(PostgresError) -> T {
        try checked(index)
        let column = columns[index]
        guard let text = values[index] else {
            if let null = T.null { return null }
            throw .misuse("column \(describe(index)) is NULL; read it as \(T.self)? to accept NULL")
        }
        guard let value = T.decode(text: text, typeOID: column.typeOID) else {
            throw .misuse("column \(describe(index)) is \(PostgresType.name(column.typeOID)) "
                + "and cannot be read as \(T.self)")
        }
        return value
    }

    public func decode<T: PostgresDecodable>(_ type: T.Type, column name: String) throws(PostgresError) -> T {
        guard let index = columns.firstIndex(where: { $0.name == name }) else {
            throw .misuse("no column \"\(name)\" in the result (columns: \(columns.map(\.name).joined(separator: ", ")))")
        }
        return try decode(type, at: index)
    }

    private func checked(_ index: Int) throws(PostgresError) {
        guard values.indices.contains(index) else {
            throw .misuse("no column \(index) in a row of \(values.count)")
        }
    }

    private func describe(_ index: Int) -> String { "\(index) (\"\(columns[index].name)\")" }
}
