/// The rows of the tasks a batch's callbacks name, read together before the batch is
/// applied, instead of one read per callback between its writes: on PostgreSQL each read
/// is a round trip, and with the writes held until COMMIT (``PostgresLedgerDatabase``) a batch of
/// new callbacks then takes two, this read and the commit.
///
/// A row is used once. A second callback for the same task in the batch reads the task
/// again, after the first one's writes, as it did before; so does a callback after the
/// task's submit record in the same batch.
struct TasksReadAhead {
    /// The columns an event's recording decides by.
    static let columns = "id, status, submitted_by_us, verification, request_json"
    /// The read of one task: the same statement a callback without a row read ahead runs.
    static let sql = "SELECT \(columns) FROM tasks WHERE id = ?"

    private var rows: [String: SQLRow] = [:]
    private var unread: Set<String> = []

    init(ids: some Sequence<String>, in db: any LedgerDatabase) throws {
        var wanted: [String] = []
        var seen: Set<String> = []
        for id in ids where seen.insert(id).inserted { wanted.append(id) }
        // One lookup by primary key per task, all in one round trip, rather than one
        // `id IN (…)`: a prepared plan for the list is made while the table is small and
        // kept, and PostgreSQL then scans the whole table for every batch (seen in the
        // bench: a sequential scan per batch until autovacuum analyzed the table).
        let found = try db.fetchOne(sql: Self.sql, eachOf: wanted.map { [$0] })
        for row in found.compactMap({ $0 }) { rows[try row.text("id")] = row }
        unread = seen
    }

    /// Drops what was read of `id`: a write other than its callback (the submit record)
    /// changed its row in this batch.
    mutating func forget(_ id: String) {
        unread.remove(id)
        rows.removeValue(forKey: id)
    }

    /// The task's row as read ahead (`.some(nil)`: it had none), or nil when it was not
    /// read ahead or was used already: then the caller reads it itself.
    mutating func take(_ id: String) -> SQLRow?? {
        guard unread.remove(id) != nil else { return nil }
        return .some(rows.removeValue(forKey: id))
    }
}
