import Foundation
import VideoAPI

/// Typed reads of the ledger's columns that fail with a message instead of trapping
/// when a row holds what the schema should have kept out.
extension SQLRow {
    func text(_ column: String) throws -> String {
        guard let value: String = self[column] else {
            throw LedgerError.readFailed(reason: "column \(column) is NULL")
        }
        return value
    }

    func date(_ column: String) throws -> Date {
        guard let seconds: Double = self[column] else {
            throw LedgerError.readFailed(reason: "column \(column) is NULL")
        }
        return Date(timeIntervalSince1970: seconds)
    }

    func optionalDate(_ column: String) -> Date? {
        (self[column] as Double?).map(Date.init(timeIntervalSince1970:))
    }

    func taskStatus(_ column: String) throws -> TaskStatus {
        let raw = try text(column)
        guard let status = TaskStatus(rawValue: raw) else {
            throw LedgerError.readFailed(reason: "column \(column) holds an unknown status \"\(raw)\"")
        }
        return status
    }

    func jobState(_ column: String) throws -> DownloadJobState {
        let raw = try text(column)
        guard let state = DownloadJobState(rawValue: raw) else {
            throw LedgerError.readFailed(reason: "column \(column) holds an unknown download state \"\(raw)\"")
        }
        return state
    }

    /// A results column (``Ledger/resultsJSON(_:)`` wrote it): the URLs, none for NULL.
    func results(_ column: String) throws -> [String] {
        guard let json: String = self[column] else { return [] }
        return try JSONDecoder().decode([String].self, from: Data(json.utf8))
    }
}
