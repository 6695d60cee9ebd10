import CLibPQ

/// A Swift type a column can be read as (``PostgresRow/decode(_:at:)``), from the
/// value's text form and the column's type:
///
/// | Swift type | SQL types it reads |
/// | --- | --- |
/// | `Int64`, `Int` | `smallint`, `integer`, `bigint`, `oid` |
/// | `Double` | `real`, `double precision`, `numeric` (rounded to the nearest double) |
/// | `Bool` | `boolean` |
/// | `String` | every type but `bytea`: its text form (`text`, `jsonb`, `timestamptz` ...) |
/// | `[UInt8]` | `bytea` |
/// | `T?` | what `T` reads, and NULL as nil |
///
/// Any other pairing is an error that names the column and both types, never a silent
/// conversion.
public protocol PostgresDecodable: Sendable {
    /// The value from its text form; nil when the column's type does not fit this type
    /// (or, which PostgreSQL's own output never does, the text does not parse).
    static func decode(text: String, typeOID: UInt32) -> Self?
    /// What NULL reads as: nil, an error, for every type but `Optional`.
    static var null: Self? { get }
}

extension PostgresDecodable {
    public static var null: Self? { nil }
}

extension Int64: PostgresDecodable {
    public static func decode(text: String, typeOID: UInt32) -> Int64? {
        PostgresType.integers.contains(typeOID) ? Int64(text) : nil
    }
}

extension Int: PostgresDecodable {
    public static func decode(text: String, typeOID: UInt32) -> Int? {
        PostgresType.integers.contains(typeOID) ? Int(text) : nil
    }
}

extension Double: PostgresDecodable {
    /// PostgreSQL writes the specials as `Infinity`, `-Infinity` and `NaN`, which
    /// Swift's parser takes as they are.
    public static func decode(text: String, typeOID: UInt32) -> Double? {
        PostgresType.floats.contains(typeOID) ? Double(text) : nil
    }
}

extension Bool: PostgresDecodable {
    public static func decode(text: String, typeOID: UInt32) -> Bool? {
        guard typeOID == PostgresType.bool else { return nil }
        switch text {
        case "t": return true
        case "f": return false
        default: return nil
        }
    }
}

extension String: PostgresDecodable {
    /// Not `bytea`: its text form is hex (`\x0001`), a trap as a string; read `[UInt8]`.
    public static func decode(text: String, typeOID: UInt32) -> String? {
        typeOID == PostgresType.bytea ? nil : text
    }
}

extension Array: PostgresDecodable where Element == UInt8 {
    /// `PQunescapeBytea` reads both forms the server may write (`bytea_output` hex, the
    /// default, or escape).
    public static func decode(text: String, typeOID: UInt32) -> [UInt8]? {
        guard typeOID == PostgresType.bytea else { return nil }
        var length = 0
        guard let bytes = PQunescapeBytea(text, &length) else { return nil }
        defer { PQfreemem(bytes) }
        return Array(UnsafeBufferPointer(start: bytes, count: length))
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(text: String, typeOID: UInt32) -> Wrapped?? {
        Wrapped.decode(text: text, typeOID: typeOID).map { .some($0) }
    }

    public static var null: Wrapped?? { .some(nil) }
}
