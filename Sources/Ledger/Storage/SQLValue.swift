import Foundation

/// One value as the ledger's SQL stores it, on either backend: the five storage classes
/// SQLite has, which map one to one onto the PostgreSQL types the ledger's tables use
/// (`BIGINT`, `DOUBLE PRECISION`, `TEXT`, `BYTEA`; booleans are integers 0 and 1 on both,
/// so that the same `CHECK (x IN (0, 1))` holds on both).
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
}

/// A Swift type the ledger binds as an argument and reads back from a column.
public protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
    /// The value of a column, nil when it holds NULL or something this type cannot be.
    init?(sqlValue: SQLValue)
}

extension Int64: SQLBindable {
    public var sqlValue: SQLValue { .integer(self) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .integer(let value): self = value
        case .real(let value): guard let exact = Int64(exactly: value) else { return nil }; self = exact
        default: return nil
        }
    }
}

extension Int: SQLBindable {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public init?(sqlValue: SQLValue) {
        guard let value = Int64(sqlValue: sqlValue) else { return nil }
        self = Int(value)
    }
}

extension Double: SQLBindable {
    public var sqlValue: SQLValue { .real(self) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .real(let value): self = value
        case .integer(let value): self = Double(value)
        default: return nil
        }
    }
}

extension Bool: SQLBindable {
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    public init?(sqlValue: SQLValue) {
        guard let value = Int64(sqlValue: sqlValue) else { return nil }
        self = value != 0
    }
}

extension String: SQLBindable {
    public var sqlValue: SQLValue { .text(self) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .text(let value): self = value
        case .blob(let data): self = String(decoding: data, as: UTF8.self)
        default: return nil
        }
    }
}

extension Data: SQLBindable {
    public var sqlValue: SQLValue { .blob(self) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .blob(let value): self = value
        case .text(let value): self = Data(value.utf8)
        default: return nil
        }
    }
}

/// The arguments of one statement, in the order of its `?` placeholders. Optional
/// elements bind NULL, so `[id, nil, note]` reads as it does in GRDB.
public typealias SQLArguments = [(any SQLBindable)?]

extension Optional where Wrapped == any SQLBindable {
    var sqlValue: SQLValue { self?.sqlValue ?? .null }
}
