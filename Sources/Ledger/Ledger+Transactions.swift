
extension Ledger {
    /// One write transaction outside the group-committing writer (the downloader's and
    /// the reconciler's few writes), counted like the writer's, its error sorted for
    /// the caller (unavailable: 503-like; anything else: this write's own fault).
    func writeTransaction<T>(_ body: (any LedgerDatabase) throws -> T) throws(LedgerError) -> T {
        do {
            let result = try backend.write(body)
            countTransaction()
            return result
        } catch {
            throw LedgerError.forWrite(error)
        }
    }

    /// A write transaction that takes one row of a queue (``LedgerBackend/claim(_:)``):
    /// on PostgreSQL, READ COMMITTED with `FOR UPDATE SKIP LOCKED`.
    func claimTransaction<T>(_ body: (any LedgerDatabase) throws -> T) throws(LedgerError) -> T {
        do {
            let result = try backend.claim(body)
            countTransaction()
            return result
        } catch {
            throw LedgerError.forWrite(error)
        }
    }

    /// One read, from any thread, beside a running writer (WAL).
    func readTransaction<T>(_ body: (any LedgerDatabase) throws -> T) throws(LedgerError) -> T {
        do {
            return try backend.read(body)
        } catch {
            throw LedgerError.forRead(error)
        }
    }
}
