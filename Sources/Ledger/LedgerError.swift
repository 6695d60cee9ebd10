import GRDB
import Postgres

/// What went wrong with the ledger, said so that an operator knows what to do.
public enum LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The ledger cannot take writes now: disk full, read-only file or mount, I/O error,
    /// locked by another process, or the writer is closed; on PostgreSQL, the server
    /// unreachable, restarting, out of connections or of disk, read-only, or a commit
    /// whose outcome is unknown. Nothing was committed (or, for the last, perhaps it
    /// was: never answered 2xx). The intake answers 503 with `Retry-After`; the API retries.
    case unavailable(reason: String)
    /// This one write was refused while the others of its transaction committed (a
    /// value SQLite would not store). Nothing of it was committed; the intake answers 500.
    case writeFailed(reason: String)
    /// No ledger at this path: `serve` has not run with this state folder.
    case notFound(path: String)
    case cannotOpen(path: String, reason: String)
    /// The ledger was migrated by a newer videohookd than this one.
    case schemaTooNew(path: String)
    /// The ledger predates this videohookd and `serve` has not migrated it yet.
    case schemaTooOld(path: String)
    case readFailed(reason: String)
    /// The work this write was about is no longer this instance's: its lease lapsed and
    /// another instance took it over (its `owner` is another's). Nothing was written; the
    /// worker stops that job or delivery without a further word to the ledger, and the
    /// new owner carries it on.
    case leaseLost(reason: String)

    /// Whether this write was refused because another instance holds the work now.
    public var isLeaseLost: Bool {
        if case .leaseLost = self { true } else { false }
    }

    /// Whether the intake should answer 503: the write may well succeed later.
    public var isUnavailable: Bool {
        if case .unavailable = self { true } else { false }
    }

    public var description: String {
        switch self {
        case .unavailable(let reason):
            "the ledger is unavailable: \(reason)"
        case .writeFailed(let reason):
            "the ledger refused this write: \(reason)"
        case .notFound(let path):
            "no ledger at \(path): `videohookd serve` has not run with this state folder (or ledger URL) yet, or --state-dir points elsewhere"
        case .cannotOpen(let path, let reason):
            "cannot open the ledger at \(path): \(reason)"
        case .schemaTooNew(let path):
            "the ledger at \(path) was written by a newer videohookd; run that version, or restore a backup made for this one"
        case .schemaTooOld(let path):
            "the ledger at \(path) has an older layout; run `videohookd serve` once with this version to migrate it"
        case .readFailed(let reason):
            "cannot read the ledger: \(reason)"
        case .leaseLost(let reason):
            "another instance holds this work now: \(reason)"
        }
    }

    /// Sorts a SQLite failure during a write: a condition of the file or disk makes the
    /// whole ledger unavailable, anything else is this write's own fault.
    static func forWrite(_ error: any Error) -> LedgerError {
        if let ledgerError = error as? LedgerError { return ledgerError }
        if let postgresError = error as? PostgresError {
            if let reason = unavailableReason(postgresError) { return .unavailable(reason: reason) }
            return .writeFailed(reason: postgresError.description)
        }
        guard let databaseError = error as? DatabaseError else {
            return .writeFailed(reason: "\(error)")
        }
        if let reason = unavailableReason(databaseError) { return .unavailable(reason: reason) }
        return .writeFailed(reason: sqliteText(databaseError))
    }

    static func forRead(_ error: any Error) -> LedgerError {
        if let ledgerError = error as? LedgerError { return ledgerError }
        if let postgresError = error as? PostgresError {
            if let reason = unavailableReason(postgresError) { return .unavailable(reason: reason) }
            return .readFailed(reason: postgresError.description)
        }
        if let databaseError = error as? DatabaseError {
            return .readFailed(reason: sqliteText(databaseError))
        }
        return .readFailed(reason: "\(error)")
    }

    private static func unavailableReason(_ error: DatabaseError) -> String? {
        let text = sqliteText(error)
        switch error.resultCode {
        case .SQLITE_FULL:
            return "the disk holding the ledger is full (\(text)); free space and the next callback will be taken"
        case .SQLITE_READONLY, .SQLITE_PERM:
            return "the ledger is read-only (\(text)); check the permissions of the file and its folder, and that the disk is mounted read-write"
        case .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_PROTOCOL:
            return "an I/O error on the ledger's disk (\(text)); check the disk and the kernel log"
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return "the ledger is locked by another process (\(text)); only one `videohookd serve` may use a state folder"
        case .SQLITE_NOMEM:
            return "out of memory (\(text))"
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return "the ledger file is damaged (\(text)); stop the daemon and restore it from a backup"
        default:
            return nil
        }
    }

    /// Whether a failure inside a transaction ends the whole transaction rather than the
    /// one write that met it: on PostgreSQL a lost connection, an unknown commit, and a
    /// serialization failure or deadlock, after which the backend runs the transaction
    /// again from the start. A batch must pass these on as they are, not count them as
    /// one write's refusal.
    static func endsTransaction(_ error: any Error) -> Bool {
        guard let postgresError = error as? PostgresError else { return false }
        switch postgresError.kind {
        case .connectionLost, .commitOutcomeUnknown, .serializationFailure, .deadlock, .staleStatement: return true
        case .uniqueViolation, .other: return false
        }
    }

    /// A condition of the PostgreSQL server or of the way to it, said for the operator;
    /// nil for a failure of the statement itself. The server's text is in each (libpq
    /// keeps the password out of it).
    private static func unavailableReason(_ error: PostgresError) -> String? {
        let text = error.description
        switch error.kind {
        case .commitOutcomeUnknown:
            return "the connection to PostgreSQL was lost while COMMIT was on its way, so whether it committed is "
                + "unknown (\(text)); it is not acknowledged, and the API's retry settles it: found as a duplicate, or recorded anew"
        case .serializationFailure, .deadlock, .staleStatement:
            return "the write kept conflicting with other instances' writes and was given up after its retries "
                + "(\(text)); the API's retry will find them done"
        case .connectionLost:
            switch error.sqlState {
            case "57P01":
                return "PostgreSQL ended the session: the server is shutting down or an administrator ended it (\(text)); "
                    + "the daemon reconnects by itself once it is back"
            case "57P02":
                return "PostgreSQL crashed and is restarting (\(text)); the daemon reconnects by itself once it is back"
            case "57P03":
                return "PostgreSQL is starting up or shutting down and takes no connections (\(text)); "
                    + "the daemon reconnects by itself once it is back"
            default:
                if error.message.contains("too many clients") || error.message.contains("remaining connection slots") {
                    return "PostgreSQL refuses more connections (\(text)); raise its max_connections, or lower "
                        + "the instances' connection count"
                }
                return "PostgreSQL cannot be reached or closed the connection (\(text)); nothing was committed, and the "
                    + "daemon reconnects by itself: check that the server runs and that ledger.url points at it"
            }
        case .uniqueViolation, .other:
            switch error.sqlState {
            case "53300":
                return "PostgreSQL refuses more connections (\(text)); raise its max_connections, or lower "
                    + "the instances' connection count"
            case "53100":
                return "the disk holding PostgreSQL's data is full (\(text)); free space on the database server and "
                    + "the next callback will be taken"
            case "53200":
                return "PostgreSQL is out of memory (\(text))"
            case "25006":
                return "PostgreSQL takes no writes here: the server is a standby or the database is read-only (\(text)); "
                    + "point ledger.url at the primary"
            case "58030":
                return "an I/O error on PostgreSQL's disk (\(text)); check the database server's disk and log"
            default:
                return nil
            }
        }
    }

    static func sqliteText(_ error: DatabaseError) -> String {
        let code = error.extendedResultCode
        return "SQLite error \(code.rawValue): \(error.message ?? "no message")"
    }
}
