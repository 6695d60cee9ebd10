import Foundation
import Ledger

/// The `object upload` section of `show`: where the video goes in the bucket, how far
/// the upload got, why it last stopped. Nothing here is secret: the ledger holds no
/// credential, only the bucket, the key, the upload id and the store's answers.
enum ObjectUploadReport {
    static func render(_ upload: ObjectUploadRecord) -> [String] {
        var lines = ["object upload"]
        func field(_ name: String, _ value: String) {
            lines.append("  " + name.padding(toLength: 12, withPad: " ", startingAt: 0) + value)
        }
        field("object", TerminalText.escape(upload.url))
        field("state", upload.state.rawValue)
        if let uploadID = upload.uploadID {
            field("upload id", TerminalText.escape(uploadID))
            field("parts", "\(upload.partsCount) recorded, part size \(upload.partSize)")
            field("uploaded", TaskDetailReport.bytes(done: upload.bytesUploaded, total: upload.bytesTotal))
        } else {
            field("upload id", "none (a single PutObject)")
        }
        if upload.attempts > 0 || upload.nextAttemptAt != nil {
            var text = "\(upload.attempts) refused"
            if let next = upload.nextAttemptAt, upload.state != .verified {
                text += ", next at \(UTCTime.format(next)) UTC"
            }
            field("attempts", text)
        }
        field("last error", upload.lastError.map(TerminalText.escape) ?? "-")
        if let etag = upload.etag { field("etag", TerminalText.escape(etag)) }
        if upload.state == .verified { field("version id", upload.versionID.map(TerminalText.escape) ?? "none (unversioned bucket)") }
        field("started", UTCTime.format(upload.createdAt) + " UTC")
        if let completed = upload.completedAt { field("completed", UTCTime.format(completed) + " UTC") }
        if let verified = upload.verifiedAt { field("verified", UTCTime.format(verified) + " UTC") }
        return lines
    }
}
