import CLibPQ

/// The statements one session has prepared: a name per statement text and parameter
/// types (a NULL's type is left to the server, so the same text with a NULL where a
/// value was is another statement). Bounded: past ``limit`` texts, statements run
/// unprepared, so that SQL built from varying values cannot fill the server's memory.
struct PreparedStatements {
    struct Key: Hashable {
        var sql: String
        var types: [Oid]
    }

    static let limit = 512
    private var names: [Key: String] = [:]
    /// Never reused within a session: a statement whose DEALLOCATE failed (in an aborted
    /// transaction) keeps its name on the server.
    private var issued = 0

    func name(for key: Key) -> String? { names[key] }

    var isFull: Bool { names.count >= Self.limit }

    /// A name for a statement about to be prepared.
    mutating func nextName() -> String {
        issued += 1
        return "vh_\(issued)"
    }

    /// Records a statement the server has prepared under `name`.
    mutating func add(_ key: Key, name: String) {
        names[key] = name
    }

    /// Forgets every name, as after `DEALLOCATE ALL`; the numbering goes on.
    mutating func removeAll() {
        names.removeAll()
    }
}

extension PostgresConnection {
    /// The prepared statement's name for `sql` with these parameter types, preparing it
    /// on first use; nil when the cache is full (run it unprepared).
    func preparedName(_ sql: String, types: [Oid]) throws(PostgresError) -> String? {
        let key = PreparedStatements.Key(sql: sql, types: types)
        if let name = prepared.name(for: key) { return name }
        guard !prepared.isFull else { return nil }
        let name = prepared.nextName()
        _ = try take(PQprepare(connection, name, sql, Int32(types.count), types))
        prepared.add(key, name: name)
        return name
    }

    /// Drops every statement this session prepared (`DEALLOCATE ALL`), here and, when
    /// the transaction still allows it, on the server.
    func forgetPreparedStatements() {
        prepared.removeAll()
        if let result = PQexec(connection, "DEALLOCATE ALL") { PQclear(result) }
    }
}
