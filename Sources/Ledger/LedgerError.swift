import GRDB

/// What went wrong with the ledger, said so that an operator knows what to do.
public enum LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The ledger cannot take writes now: disk full, read-only file or mount, I/O error,
    /// locked by another process, or the writer is closed. Nothing was committed. The
    /// intake answers 503 with `Retry-After`; the API retries.
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

    /// Whether the intake should answer 503: the write may well succeed later.
    public var isUnavailable: Bool {
        if case .unavailable = self { true } else { false }
    }

    public var description: String {
        switch self {
        case .unavailable(let reason):
            "the ledger cannot take writes: \(reason)"
        case .writeFailed(let reason):
            "the ledger refused this write: \(reason)"
        case .notFound(let path):
            "no ledger at \(path): `videohookd serve` has not run with this state folder yet (or --state-dir points elsewhere)"
        case .cannotOpen(let path, let reason):
            "cannot open the ledger at \(path): \(reason)"
        case .schemaTooNew(let path):
            "the ledger at \(path) was written by a newer videohookd; run that version, or restore a backup made for this one"
        case .schemaTooOld(let path):
            "the ledger at \(path) has an older layout; run `videohookd serve` once with this version to migrate it"
        case .readFailed(let reason):
            "cannot read the ledger: \(reason)"
        }
    }

    /// Sorts a SQLite failure during a write: a condition of the file or disk makes the
    /// whole ledger unavailable, anything else is this write's own fault.
    static func forWrite(_ error: any Error) -> LedgerError {
        if let ledgerError = error as? LedgerError { return ledgerError }
        guard let databaseError = error as? DatabaseError else {
            return .writeFailed(reason: "\(error)")
        }
        if let reason = unavailableReason(databaseError) { return .unavailable(reason: reason) }
        return .writeFailed(reason: sqliteText(databaseError))
    }

    static func forRead(_ error: any Error) -> LedgerError {
        if let ledgerError = error as? LedgerError { return ledgerError }
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

    static func sqliteText(_ error: DatabaseError) -> String {
        let code = error.extendedResultCode
        return "SQLite error \(code.rawValue): \(error.message ?? "no message")"
    }
}
