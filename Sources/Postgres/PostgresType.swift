/// The OIDs of the built-in types this client sends or reads (pg_type.dat; fixed across
/// PostgreSQL versions), and their names for error messages.
enum PostgresType {
    static let bool: UInt32 = 16
    static let bytea: UInt32 = 17
    static let int8: UInt32 = 20
    static let int2: UInt32 = 21
    static let int4: UInt32 = 23
    static let text: UInt32 = 25
    static let oid: UInt32 = 26
    static let float4: UInt32 = 700
    static let float8: UInt32 = 701
    static let numeric: UInt32 = 1700

    static let integers: Set<UInt32> = [int2, int4, int8, oid]
    static let floats: Set<UInt32> = [float4, float8, numeric]

    static func name(_ type: UInt32) -> String {
        switch type {
        case bool: "boolean"
        case bytea: "bytea"
        case int8: "bigint"
        case int2: "smallint"
        case int4: "integer"
        case oid: "oid"
        case float4: "real"
        case float8: "double precision"
        case numeric: "numeric"
        case text: "text"
        case 1043: "character varying"
        case 1042: "character"
        case 19: "name"
        case 114: "json"
        case 3802: "jsonb"
        case 1184: "timestamp with time zone"
        case 1114: "timestamp without time zone"
        case 2950: "uuid"
        default: "type OID \(type)"
        }
    }
}
