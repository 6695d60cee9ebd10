extension Ledger {
    /// One round trip to the ledger: nil when it answers, else what is wrong, as the
    /// operator should read it. On PostgreSQL this is what tells a database that is down
    /// or restarting; on SQLite it reads the file.
    public func reachabilityProblem() -> String? {
        do {
            _ = try readTransaction { db in try db.fetchScalar(Int.self, sql: "SELECT 1") }
            return nil
        } catch {
            return error.description
        }
    }
}
