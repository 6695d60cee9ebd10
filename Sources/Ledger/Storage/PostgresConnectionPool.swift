import Dispatch
import Postgres
import Synchronization

/// The PostgreSQL ledger's connections: at most `size` open, each used by one thread
/// for one transaction at a time and given back after it.
///
/// A `PostgresConnection` belongs to one thread while it is used (libpq is not safe for
/// two at once); between transactions it waits here, in a list behind a lock, and the
/// next transaction takes it on whatever thread runs it. A connection that failed with
/// its connection lost, or with its commit's outcome unknown, is closed rather than
/// given back; one found dead when taken (the server restarted while it waited) is
/// closed and replaced. So after an outage the next transaction simply connects again.
///
/// When all `size` are in use, a transaction waits for one up to `waitTimeout`
/// seconds, then fails as ``LedgerError/unavailable(reason:)``.
final class PostgresConnectionPool: Sendable {
    let size: Int
    let waitTimeout: Double
    private let connect: @Sendable () throws(PostgresError) -> PostgresConnection
    private let idle = Mutex<[IdleConnection]>([])
    private let closed = Atomic<Bool>(false)
    /// One permit per connection that may be in use; taken before a connection is.
    private let permits: DispatchSemaphore

    /// A failure to open a new connection, told apart from one during a transaction:
    /// the backend runs a transaction again after the second, not after the first.
    struct ConnectFailure: Error {
        let error: PostgresError
    }

    /// - Parameter connect: opens a connection ready for the ledger (its session
    ///   settings made); called when no idle connection is left.
    init(size: Int, waitTimeout: Double, connect: @escaping @Sendable () throws(PostgresError) -> PostgresConnection) {
        precondition(size > 0, "a pool needs at least one connection")
        self.size = size
        self.waitTimeout = waitTimeout
        self.connect = connect
        permits = DispatchSemaphore(value: size)
    }

    /// Adds a connection opened elsewhere (the one that migrated the schema at open).
    func add(_ connection: sending PostgresConnection) {
        let idleConnection = IdleConnection(connection)
        idle.withLock { $0.append(idleConnection) }
    }

    /// Runs `body` with a connection of its own, on the calling thread.
    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        guard !closed.load(ordering: .acquiring) else { throw Self.closedError }
        guard permits.wait(timeout: .now() + waitTimeout) == .success else {
            throw LedgerError.unavailable(reason: "all \(size) connections to PostgreSQL stayed busy for "
                + "\(Self.seconds(waitTimeout)); the database answers too slowly for the load")
        }
        defer { permits.signal() }
        let connection = try take()
        do {
            let value = try body(connection)
            giveBack(connection)
            return value
        } catch {
            if let failure = error as? PostgresError,
               failure.kind == .connectionLost || failure.kind == .commitOutcomeUnknown {
                // Closed (PQfinish) as it goes out of scope.
            } else {
                giveBack(connection)
            }
            throw error
        }
    }

    /// Closes every idle connection; those in use are closed as their transactions end.
    /// Any later transaction fails as unavailable.
    func close() {
        closed.store(true, ordering: .releasing)
        let connections = idle.withLock { list in
            defer { list.removeAll() }
            return list
        }
        _ = connections   // each PQfinish'd as the last reference goes
    }

    /// Open connections waiting for a transaction, for tests.
    var idleCount: Int { idle.withLock { $0.count } }

    private func take() throws -> PostgresConnection {
        while let waiting = idle.withLock({ $0.popLast() }) {
            let connection = waiting.connection
            // A server that stopped, restarted or ended the session said so on the
            // socket; seen here without a round trip.
            if connection.isAlive && !connection.inTransaction { return connection }
        }
        do {
            return try connect()
        } catch {
            throw ConnectFailure(error: error)
        }
    }

    private func giveBack(_ connection: PostgresConnection) {
        guard !closed.load(ordering: .acquiring), connection.isAlive, !connection.inTransaction else { return }
        let idleConnection = IdleConnection(connection)
        idle.withLock { $0.append(idleConnection) }
    }

    private static let closedError = LedgerError.unavailable(reason: "the ledger is closed")

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}

/// A connection waiting in the pool. `@unchecked Sendable`: it moves between threads
/// only through the pool's lock, and only one thread holds it out of the pool at a time.
private final class IdleConnection: @unchecked Sendable {
    let connection: PostgresConnection

    init(_ connection: PostgresConnection) {
        self.connection = connection
    }
}
