/// The rows of the tasks a batch's callbacks name, read with one statement before the
/// batch is applied, instead of one read per callback: on PostgreSQL each read is a round
/// trip, and with the writes held until COMMIT (``PostgresLedgerDatabase``) a batch of
/// new callbacks then takes two, this read and the commit.
///
/// A row is used once. A second callback for the same task in the batch reads the task
/// again, after the first one's writes, as it did before; so does a callback after the
/// task's submit record in the same batch.
struct TasksReadAhead {
    /// The columns an event's recording decides by.
    static let columns = "id, status, submitted_by_us, verification, request_json"
    /// Ids per statement. The list is padded to a power of two (the last id repeated), so
    /// that a few statement texts serve every batch size and stay prepared.
    static let chunk = 128

    private var rows: [String: SQLRow] = [:]
    private var unread: Set<String> = []

    static let none = TasksReadAhead()

    private init() {}

    init(ids: some Sequence<String>, in db: any LedgerDatabase) throws {
        var wanted: [String] = []
        var seen: Set<String> = []
        for id in ids where seen.insert(id).inserted { wanted.append(id) }
        var start = 0
        while start < wanted.count {
            let part = wanted[start..<min(start + Self.chunk, wanted.count)]
            var padded = 1
            while padded < part.count { padded *= 2 }
            let arguments = Array(part) + Array(repeating: part.last!, count: padded - part.count)
            let marks = Array(repeating: "?", count: padded).joined(separator: ", ")
            for row in try db.fetchAll(sql: "SELECT \(Self.columns) FROM tasks WHERE id IN (\(marks))",
                                       arguments: arguments.map { $0 as (any SQLBindable)? }) {
                rows[try row.text("id")] = row
            }
            start += Self.chunk
        }
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
