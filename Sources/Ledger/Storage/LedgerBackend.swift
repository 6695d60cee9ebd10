/// Where the ledger lives and how it runs a transaction: SQLite in `state_dir` (GRDB) or
/// a shared PostgreSQL database. The ledger's queries see only ``LedgerDatabase``.
protocol LedgerBackend: Sendable {
    /// Where it is, for messages: the file's path, or the database's URL without its password.
    var location: String { get }
    /// Runs `body` in one write transaction and commits it; when `body` throws, nothing of
    /// it stays and its error goes on unchanged, for ``LedgerError/forWrite(_:)`` to sort.
    /// When this returns, the commit is durable.
    func write<T>(_ body: (any LedgerDatabase) throws -> T) throws -> T
    /// Runs `body` in a read transaction, beside a running writer.
    func read<T>(_ body: (any LedgerDatabase) throws -> T) throws -> T
    func close() throws(LedgerError)
}
