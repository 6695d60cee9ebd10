/// What went wrong talking to PostgreSQL, sorted the way the ledger must react to it.
///
/// `message` is the server's primary message (or libpq's, when the server said nothing)
/// with the connection's password taken out; the password is never in `description`
/// either, whatever libpq or the server echoed.
public struct PostgresError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The connection is gone (the server stopped, restarted, was unreachable, or
        /// ended this session). Nothing sent in an open transaction was committed: the
        /// server rolls it back. Reconnect (`reset()`) and try again.
        case connectionLost
        /// The connection went while COMMIT was on its way or its answer was: the
        /// server may or may not have committed. Never answer 2xx on this; the work must
        /// be safe to do again.
        case commitOutcomeUnknown
        /// SQLSTATE 23505: a UNIQUE or primary key constraint refused a row.
        case uniqueViolation
        /// SQLSTATE 40001: a serializable transaction lost a race; run it again.
        case serializationFailure
        /// SQLSTATE 40P01: the server broke a deadlock by failing this transaction; run
        /// it again.
        case deadlock
        /// A statement this connection had prepared no longer fits its table (another
        /// instance's migration changed it: "cached plan must not change result type").
        /// The connection has dropped its prepared statements; run the transaction again.
        case staleStatement
        /// Anything else: a syntax error, a constraint other than UNIQUE, a type that
        /// does not fit, a misuse of this client.
        case other
    }

    public let kind: Kind
    /// The five-character SQLSTATE when the server sent one (`42601`, `23505`, ...).
    public let sqlState: String?
    public let message: String
    /// The server's DETAIL line, such as `Key (id)=(1) already exists.`
    public let detail: String?
    /// The constraint the server names, for constraint violations.
    public let constraint: String?
    /// In a pipeline, the position of the statement that failed (0-based).
    public let statementIndex: Int?

    public init(kind: Kind, message: String, sqlState: String? = nil, detail: String? = nil,
                constraint: String? = nil, statementIndex: Int? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.constraint = constraint
        self.statementIndex = statementIndex
    }

    /// True when running the same work again (after `reset()` for a lost connection)
    /// is the right answer: a lost connection, a serialization failure, a deadlock.
    /// Not an unknown commit outcome: that one needs work that is safe to repeat.
    public var isRetryable: Bool {
        switch kind {
        case .connectionLost, .serializationFailure, .deadlock, .staleStatement: true
        case .commitOutcomeUnknown, .uniqueViolation, .other: false
        }
    }

    public var description: String {
        var text = "PostgreSQL"
        if let statementIndex { text += " statement \(statementIndex)" }
        if let sqlState { text += " [\(sqlState)]" }
        text += ": " + message
        if let detail { text += " (\(detail))" }
        if kind == .commitOutcomeUnknown { text += " (the commit's outcome is unknown)" }
        return text
    }

    /// The kind a SQLSTATE stands for, when the connection itself is still up. Class 08
    /// (connection exception) and the server's own shutdowns (57P01 admin shutdown, which
    /// is also what `pg_terminate_backend` sends; 57P02 crash shutdown; 57P03 cannot
    /// connect now) all end the session.
    static func kind(sqlState: String?) -> Kind {
        guard let sqlState else { return .other }
        switch sqlState {
        case "23505": return .uniqueViolation
        case "40001": return .serializationFailure
        case "40P01": return .deadlock
        case "57P01", "57P02", "57P03": return .connectionLost
        default: return sqlState.hasPrefix("08") ? .connectionLost : .other
        }
    }

    /// The same error, now known to have struck while COMMIT was in flight.
    func duringCommit() -> PostgresError {
        guard kind == .connectionLost else { return self }
        return PostgresError(kind: .commitOutcomeUnknown, message: message, sqlState: sqlState, detail: detail,
                             constraint: constraint, statementIndex: statementIndex)
    }

    func at(statement index: Int) -> PostgresError {
        PostgresError(kind: kind, message: message, sqlState: sqlState, detail: detail, constraint: constraint,
                      statementIndex: index)
    }

    /// A prepared plan that a change of its table made invalid (another instance
    /// migrated the schema): "cached plan must not change result type".
    var isStalePlan: Bool {
        sqlState == "0A000" && message.contains("cached plan must not change result type")
    }

    /// A misuse of this client or a value that does not fit (not the server's refusal).
    static func misuse(_ message: String) -> PostgresError {
        PostgresError(kind: .other, message: message)
    }
}
