import CLibPQ

/// What one statement returned: its rows (copied out of libpq's result, which is freed
/// at once), its columns, and its command tag. A value, safe to keep and to pass on.
public struct PostgresResult: Sendable {
    public struct Column: Sendable, Equatable {
        public let name: String
        /// The column's type OID (`pg_type.oid`).
        public let typeOID: UInt32
    }

    public let columns: [Column]
    public let rows: [PostgresRow]
    /// The command tag, such as `INSERT 0 1`, `UPDATE 3`, `SELECT 2`, `BEGIN`.
    public let commandTag: String
    /// The rows an INSERT, UPDATE, DELETE, MERGE, SELECT, MOVE, FETCH or COPY touched;
    /// 0 for other commands.
    public let affectedRows: Int

    /// Copies a successful result (`PGRES_COMMAND_OK` or `PGRES_TUPLES_OK`, in text format).
    init(copying result: OpaquePointer) {
        let columnCount = Int(PQnfields(result))
        let columns = (0..<columnCount).map { index in
            Column(name: String(cString: PQfname(result, Int32(index))), typeOID: PQftype(result, Int32(index)))
        }
        self.columns = columns
        rows = (0..<Int(PQntuples(result))).map { row in
            PostgresRow(columns: columns, values: (0..<columnCount).map { column in
                PQgetisnull(result, Int32(row), Int32(column)) == 1
                    ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
            })
        }
        commandTag = String(cString: PQcmdStatus(result))
        affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    /// The only row; an error when there are none or several (a lookup by key).
    public func singleRow() throws(PostgresError) -> PostgresRow {
        guard rows.count == 1 else { throw .misuse("expected one row, got \(rows.count) (\(commandTag))") }
        return rows[0]
    }
}
