import Foundation
import Ledger
import Logging
import ObjectStore

/// At start, the multipart uploads under `s3.prefix` that no ledger row names are
/// aborted: a run that died between CreateMultipartUpload and recording the upload id
/// left them, no one will complete them, and their parts are billed until aborted.
///
/// Only keys of the archive's own shape are touched (`<prefix><yyyy>/<mm>/<dd>/<task-id>.<ext>`,
/// DESIGN.md "Object storage"), so that another program's uploads in a shared bucket
/// survive even with an empty prefix. When the ledger cannot be read nothing is aborted:
/// an upload the ledger knows must never be lost to a read error.
struct StaleUploadSweep {
    let client: S3Client
    let ledger: Ledger
    let bucket: String
    let prefix: String
    let logger: Logger
    /// Only uploads initiated before this are aborted: nil at start, when no upload of
    /// this process exists yet. A sweep deferred until the bucket answers runs while the
    /// pipeline may have created an upload it has not recorded yet, so it spares
    /// everything from ``clockTolerance`` before this process started on.
    var initiatedBefore: Date?

    /// S3 refuses a signature more than 15 minutes off its clock, so an upload this
    /// process created carries an `Initiated` no earlier than its start less this.
    static let clockTolerance: TimeInterval = 15 * 60

    struct Outcome: Equatable {
        var aborted: [String] = []
        var kept = 0
        var failed = 0
    }

    /// Lists, compares, aborts; says each abort in the log. A failure is a warning: the
    /// start goes on, and the next start sweeps again.
    @discardableResult
    func run() -> Outcome {
        var outcome = Outcome()
        let uploads: [S3MultipartUpload]
        let known: Set<String>
        do {
            uploads = try client.listMultipartUploads(prefix: prefix)
        } catch {
            logger.warning("upload.sweep_failed", metadata: ["reason": "\(error)", "effect": "stale uploads stay until the next start"])
            return outcome
        }
        do {
            known = try ledger.knownObjectUploadIDs(bucket: bucket)
        } catch {
            logger.warning("upload.sweep_failed", metadata: ["reason": "the ledger cannot be read: \(error)",
                                                             "effect": "nothing aborted"])
            return outcome
        }
        for upload in uploads {
            guard !known.contains(upload.uploadID), Self.isArchiveKey(upload.key, prefix: prefix),
                  isOldEnough(upload) else {
                outcome.kept += 1
                continue
            }
            do {
                try client.abortMultipartUpload(key: upload.key, uploadID: upload.uploadID)
            } catch where error.code == "NoSuchUpload" {
                // Gone meanwhile (completed or aborted elsewhere): nothing left to abort.
            } catch {
                outcome.failed += 1
                logger.warning("upload.abort_failed", metadata: ["key": "\(upload.key)", "upload_id": "\(upload.uploadID)",
                                                                 "reason": "\(error)"])
                continue
            }
            outcome.aborted.append(upload.uploadID)
            logger.notice("upload.aborted_stale", metadata: ["key": "\(upload.key)", "upload_id": "\(upload.uploadID)",
                                                             "initiated": "\(upload.initiated)",
                                                             "reason": "no ledger row names this upload"])
        }
        logger.info("upload.sweep_done", metadata: ["listed": "\(uploads.count)", "aborted": "\(outcome.aborted.count)",
                                                    "kept": "\(outcome.kept)", "failed": "\(outcome.failed)"])
        return outcome
    }

    /// `<prefix>yyyy/mm/dd/<task-id>.<ext>`: a task id as the archive takes it (letters,
    /// digits, `-`, `_`, at most 128) and a short extension.
    static func isArchiveKey(_ key: String, prefix: String) -> Bool {
        guard key.hasPrefix(prefix) else { return false }
        let parts = key.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        func digits(_ part: Substring, _ count: Int) -> Bool { part.count == count && part.allSatisfy(\.isASCIIDigit) }
        guard digits(parts[0], 4), digits(parts[1], 2), digits(parts[2], 2) else { return false }
        let name = parts[3]
        guard let dot = name.lastIndex(of: ".") else { return false }
        let id = name[..<dot]
        let ext = name[name.index(after: dot)...]
        let idByte: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        return (1...128).contains(id.count) && id.allSatisfy(idByte)
            && (1...8).contains(ext.count) && ext.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    private func isOldEnough(_ upload: S3MultipartUpload) -> Bool {
        guard let initiatedBefore else { return true }
        // An Initiated that does not read as a time is spared: never abort on a guess.
        guard let initiated = Self.parse(upload.initiated) else { return false }
        return initiated < initiatedBefore
    }

    /// `2026-12-07T01:02:03.000Z`, with or without the fraction.
    static func parse(_ text: String) -> Date? {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = fractional.date(from: text) { return date }
        return ISO8601DateFormatter().date(from: text)
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
