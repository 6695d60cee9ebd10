/// Where the ledger lives and how it runs a transaction: SQLite in `state_dir` (GRDB) or
/// a shared PostgreSQL database. The ledger's queries see only ``LedgerDatabase``.
protocol LedgerBackend: Sendable {
    /// Where it is, for messages: the file's path, or the database's URL without its password.
    var location: String { get }
    /// Runs `body` in one write transaction and commits it; when `body` throws, nothing of
    /// it stays and its error goes on unchanged, for ``LedgerError/forWrite(_:)`` to sort.
    /// When this returns, the commit is durable.
    func write<T>(_ body: (any LedgerDatabase) throws -> T) throws -> T
    /// Runs `body`, which takes one row of a queue (a SELECT ending in
    /// ``SQLDialect/skipLocked(of:)``, then its UPDATE), in one write transaction. On
    /// SQLite, a write like any other (one writer). On PostgreSQL it runs READ COMMITTED,
    /// where `FOR UPDATE SKIP LOCKED` is meant to be used: two instances claiming at once
    /// never take the same row, and neither waits for the other.
    func claim<T>(_ body: (any LedgerDatabase) throws -> T) throws -> T
    /// Runs `body` in a read transaction, beside a running writer.
    func read<T>(_ body: (any LedgerDatabase) throws -> T) throws -> T
    func close() throws(LedgerError)
}
