/// A statement's parameter (`$1`, `$2`, ...); `nil` in a parameter list is SQL NULL.
///
/// How each is sent (PQexecParams's type, format and bytes):
///
/// | case | type sent | format | what the server gets |
/// | --- | --- | --- | --- |
/// | `int64` | `int8` | text | the decimal digits |
/// | `double` | `float8` | text | Swift's shortest round-trip form (`inf`, `nan` included) |
/// | `bool` | `bool` | text | `t` or `f` |
/// | `string` | `text` | text | the UTF-8 text (no NUL: PostgreSQL's text cannot hold one) |
/// | `bytes` | `bytea` | binary | the bytes as they are, zero bytes included |
/// | nil | none: the server infers it | | NULL |
///
/// Every value goes typed, so that an expression means the same whatever the value is
/// (`coalesce(created, $1) + 86400` with a `double` is float arithmetic) and `SELECT $1`
/// reads back what went in. PostgreSQL's assignment casts put an `int8` into an
/// `integer` column and a `float8` into `real` or `numeric`; a `text` into a `jsonb` or
/// `timestamptz` column needs a cast in the SQL (`$1::jsonb`). A NULL has no type of
/// its own: where nothing around it gives one (`$1 IS NULL` alone), cast it (`$1::text`).
/// Bytes go binary because their text form would need hex.
public enum PostgresValue: Sendable, Hashable {
    case int64(Int64)
    case double(Double)
    case bool(Bool)
    case string(String)
    case bytes([UInt8])

    /// `.int64` of an `Int`: counts, sizes and unix times are `Int` in the rest of the
    /// daemon.
    public static func int(_ value: Int) -> PostgresValue { .int64(Int64(value)) }

    /// The OID of the type the value is sent as.
    var typeOID: UInt32 {
        switch self {
        case .int64: PostgresType.int8
        case .double: PostgresType.float8
        case .bool: PostgresType.bool
        case .string: PostgresType.text
        case .bytes: PostgresType.bytea
        }
    }

    /// The bytes PQexecParams gets, and whether they are binary (format 1) or text (0).
    var wireBytes: (bytes: [UInt8], binary: Bool) {
        switch self {
        case .int64(let value): (Array(String(value).utf8), false)
        case .double(let value): (Array(String(value).utf8), false)
        case .bool(let value): (value ? [UInt8(ascii: "t")] : [UInt8(ascii: "f")], false)
        case .string(let value): (Array(value.utf8), false)
        case .bytes(let value): (value, true)
        }
    }
}

extension PostgresValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByStringLiteral {
    public init(integerLiteral value: Int64) { self = .int64(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(stringLiteral value: String) { self = .string(value) }
}
