import Postgres
import Testing
import TestSupport

/// Statements, parameters, results and errors against a real PostgreSQL (the shared
/// throwaway cluster; a database per test).
@Suite("PostgresConnection: statements, values, errors")
struct PostgresConnectionTests {
    private func connect() throws -> PostgresConnection {
        try PostgresConnection(conninfo: PostgresCluster.shared().createDatabase())
    }

    @Test func connects_AndReportsTheServer() throws {
        let connection = try connect()
        #expect(connection.serverVersion >= 140000)
        #expect(connection.isAlive)
        let pid = try connection.execute("SELECT pg_backend_pid()").singleRow().decode(Int64.self, at: 0)
        #expect(pid == Int64(connection.backendPID))
        // The client's own settings hold whatever the conninfo says.
        let settings = try connection.execute("SELECT current_setting('client_encoding'), current_setting('application_name')")
            .singleRow()
        #expect(try settings.decode(String.self, at: 0) == "UTF8")
        #expect(try settings.decode(String.self, at: 1) == "videohookd")
    }

    @Test func everyParameterType_ReadsBackAsItWent() throws {
        let connection = try connect()
        try connection.execute("""
            CREATE TABLE value_kinds (id bigint PRIMARY KEY, small integer, name text, flag boolean, data bytea,
                                      ratio double precision, note jsonb)
            """)
        let bytes: [UInt8] = [0, 1, 0, 255, 0x5C, 0x78, 0]  // zero bytes, and a `\x` inside
        let text = "Grüße, 東京 🎬 'quoted' \"double\" \\ backslash; DROP TABLE value_kinds; --"
        let rows: [[PostgresValue?]] = [
            [.int64(Int64.max), .int(-7), .string(text), .bool(true), .bytes(bytes), .double(0.1), .string(#"{"a": [1, "é"]}"#)],
            [.int64(Int64.min), nil, .string(""), .bool(false), .bytes([]), .double(-.infinity), nil],
            [3, 2147483647, "plain", false, nil, 1e-300, nil],
        ]
        for row in rows {
            let result = try connection.execute("INSERT INTO value_kinds VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)", row)
            #expect(result.affectedRows == 1)
            #expect(result.commandTag == "INSERT 0 1")
        }
        let result = try connection.execute("SELECT * FROM value_kinds ORDER BY id")
        #expect(result.columns.map(\.name) == ["id", "small", "name", "flag", "data", "ratio", "note"])
        #expect(result.rows.count == 3)

        let low = result.rows[0], high = result.rows[2], plain = result.rows[1]
        #expect(try low.decode(Int64.self, column: "id") == Int64.min)
        #expect(try low.decode(Int?.self, column: "small") == nil)
        #expect(try low.isNull(at: 1))
        #expect(try low.decode(String.self, column: "name") == "")
        #expect(try low.decode(Bool.self, column: "flag") == false)
        #expect(try low.decode([UInt8].self, column: "data") == [])
        #expect(try low.decode(Double.self, column: "ratio") == -.infinity)
        #expect(try low.decode(String?.self, column: "note") == nil)

        #expect(try plain.decode(Int64.self, at: 0) == 3)
        #expect(try plain.decode(Int.self, at: 1) == 2147483647)
        #expect(try plain.decode([UInt8]?.self, at: 4) == nil)
        #expect(try plain.decode(Double.self, at: 5) == 1e-300)

        #expect(try high.decode(Int64.self, at: 0) == Int64.max)
        #expect(try high.decode(Int64.self, at: 1) == -7)
        #expect(try high.decode(String.self, at: 2) == text)
        #expect(try high.decode(Bool.self, at: 3) == true)
        #expect(try high.decode([UInt8].self, at: 4) == bytes)
        #expect(try high.decode(Double.self, at: 5) == 0.1)
        #expect(try high.decode(String.self, at: 6) == #"{"a": [1, "é"]}"#)
    }

    @Test func untypedSelect_ReadsParametersBackWithTheirTypes() throws {
        let connection = try connect()
        let row = try connection.execute("SELECT $1, $2, $3, $4, $5, $6",
                                         [.int64(42), .double(.nan), .bool(true), .string("s"), .bytes([0, 0]), nil])
            .singleRow()
        #expect(row.columns.map(\.typeOID) == [20, 701, 16, 25, 17, 25])
        #expect(try row.decode(Int64.self, at: 0) == 42)
        #expect(try row.decode(Double.self, at: 1).isNaN)
        #expect(try row.decode(Bool.self, at: 2))
        #expect(try row.decode(String.self, at: 3) == "s")
        #expect(try row.decode([UInt8].self, at: 4) == [0, 0])
        #expect(try row.decode(String?.self, at: 5) == nil)
        // The server's own spellings of the special floats and a numeric.
        let specials = try connection.execute("SELECT 'Infinity'::float8, '-Infinity'::float4, 1.5::numeric, 7::smallint")
            .singleRow()
        #expect(try specials.decode(Double.self, at: 0) == .infinity)
        #expect(try specials.decode(Double.self, at: 1) == -.infinity)
        #expect(try specials.decode(Double.self, at: 2) == 1.5)
        #expect(try specials.decode(Int64.self, at: 3) == 7)
    }

    @Test func aTypeThatDoesNotFit_IsAClearError() throws {
        let connection = try connect()
        let row = try connection.execute("SELECT 'abc'::text AS name, NULL::bigint AS missing, '\\x00'::bytea AS data")
            .singleRow()
        let wrongType = #expect(throws: PostgresError.self) { try row.decode(Int64.self, column: "name") }
        #expect(wrongType?.message == "column 0 (\"name\") is text and cannot be read as Int64")
        let null = #expect(throws: PostgresError.self) { try row.decode(Int64.self, column: "missing") }
        #expect(null?.message.contains("is NULL; read it as Int64? to accept NULL") == true)
        let bytesAsString = #expect(throws: PostgresError.self) { try row.decode(String.self, at: 2) }
        #expect(bytesAsString?.message.contains("is bytea and cannot be read as String") == true)
        let noColumn = #expect(throws: PostgresError.self) { try row.decode(Int64.self, column: "nope") }
        #expect(noColumn?.message.contains("no column \"nope\"") == true)
        #expect(throws: PostgresError.self) { try row.decode(Int64.self, at: 3) }
    }

    @Test func aStringWithANul_IsRefusedBeforeSending() throws {
        let connection = try connect()
        let error = #expect(throws: PostgresError.self) { try connection.execute("SELECT $1", [.string("a\u{0}b")]) }
        #expect(error?.message.contains("parameter $1 holds a NUL character") == true)
        #expect(try connection.execute("SELECT 1").rows.count == 1)
    }

    @Test func aSyntaxError_CarriesItsSQLStateAndMessage() throws {
        let connection = try connect()
        let error = #expect(throws: PostgresError.self) { try connection.execute("SELEC 1") }
        #expect(error?.kind == .other)
        #expect(error?.sqlState == "42601")
        #expect(error?.message == "syntax error at or near \"SELEC\"")
        #expect(error?.description == "PostgreSQL [42601]: syntax error at or near \"SELEC\"")
        #expect(error?.isRetryable == false)
        // The connection goes on.
        #expect(try connection.execute("SELECT 1").rows.count == 1)
    }

    @Test func aUniqueViolation_IsClassifiedWithItsConstraint() throws {
        let connection = try connect()
        try connection.execute("CREATE TABLE events (task_id text, status text, CONSTRAINT events_identity UNIQUE (task_id, status))")
        try connection.execute("INSERT INTO events VALUES ($1, $2)", ["task-1", "completed"])
        let error = #expect(throws: PostgresError.self) {
            try connection.execute("INSERT INTO events VALUES ($1, $2)", ["task-1", "completed"])
        }
        #expect(error?.kind == .uniqueViolation)
        #expect(error?.sqlState == "23505")
        #expect(error?.constraint == "events_identity")
        #expect(error?.detail == "Key (task_id, status)=(task-1, completed) already exists.")
    }

    @Test func serializationFailureAndDeadlock_AreClassifiedAsRetryable() throws {
        let connection = try connect()
        for (code, name, kind) in [("40001", "serialization_failure", PostgresError.Kind.serializationFailure),
                                   ("40P01", "deadlock_detected", .deadlock)] {
            let error = #expect(throws: PostgresError.self) {
                try connection.execute("DO $$ BEGIN RAISE EXCEPTION 'raised' USING ERRCODE = '\(name)'; END $$")
            }
            #expect(error?.kind == kind)
            #expect(error?.sqlState == code)
            #expect(error?.isRetryable == true)
        }
    }

    @Test func simpleQuery_RunsAScriptAsOneTransaction() throws {
        let connection = try connect()
        let results = try connection.simpleQuery("""
            CREATE TABLE migrations (version bigint PRIMARY KEY);
            INSERT INTO migrations VALUES (1), (2);
            SELECT count(*) FROM migrations;
            """)
        #expect(results.map(\.commandTag) == ["CREATE TABLE", "INSERT 0 2", "SELECT 1"])
        #expect(try results[2].singleRow().decode(Int64.self, at: 0) == 2)

        let error = #expect(throws: PostgresError.self) {
            try connection.simpleQuery("INSERT INTO migrations VALUES (3); CREATE TABLE migrations (x int); INSERT INTO migrations VALUES (4);")
        }
        #expect(error?.sqlState == "42P07")  // duplicate_table
        #expect(try connection.execute("SELECT count(*) FROM migrations").singleRow().decode(Int64.self, at: 0) == 2)
    }
}
