import Archive
import Foundation

/// The ledger side of archiving to a bucket: one upload per task, its acknowledged
/// parts, its refusals, its completion. What is recorded here is what a restart
/// resumes from, so that `kill -9` at any point never leads to a second object:
///
/// - the upload id is recorded as soon as CreateMultipartUpload answers, and a later
///   begin for the same task and object returns it (``ObjectUploadStart/resumed(_:)``);
/// - a part counts once UploadPart answered and it is recorded; a resume sends only the
///   parts after the recorded ones;
/// - an upload id the store lists and ``knownObjectUploadIDs(bucket:)`` does not hold
///   was created by a run that died before recording it: the sweep at start aborts it;
/// - `completed` means the object exists: a restart checks it (HeadObject), never
///   uploads it again.
///
/// Writes go straight through the pool, like the download workers': a few per part.
/// Each is fenced like the worker's writes of the job: when another instance took the
/// task's job over, it is refused (``LedgerError/leaseLost(reason:)``) and nothing is
/// written, so a part, a completion or an abandon of an instance that lost the job
/// cannot mix with the new owner's.
extension Ledger {
    /// Records the task's upload to `bucket`/`key`, or finds the one already recorded
    /// for that same object (after a restart) and returns it unchanged. An upload to
    /// another object is refused: a task has one upload (``abandonObjectUpload(taskID:now:)``
    /// first to start over elsewhere). `uploadID` is nil for a single PutObject.
    public func beginObjectUpload(taskID: String, bucket: String, key: String, uploadID: String?, partSize: Int64,
                                  bytesTotal: Int64? = nil, now: Date = Date()) throws(LedgerError) -> ObjectUploadStart {
        let seconds = now.timeIntervalSince1970
        return try writeTransaction { db in
            try Self.requireNotTaken(taskID, owner: instanceID, in: db)
            if let existing = try ObjectUploadRecord.fetch(taskID: taskID, in: db) {
                guard existing.bucket == bucket && existing.key == key else {
                    throw LedgerError.writeFailed(reason: """
                        task \(taskID) already has an upload to \(existing.url); abandon it before uploading to \
                        \(ArchivedObject.url(bucket: bucket, key: key))
                        """)
                }
                return .resumed(existing)
            }
            try db.execute(sql: """
                INSERT INTO object_uploads (task_id, bucket, object_key, upload_id, part_size, bytes_total,
                                            created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [taskID, bucket, key, uploadID, partSize, bytesTotal, seconds, seconds])
            return .created(try Self.requireUpload(taskID, in: db))
        }
    }

    /// The task's upload with its progress; nil when it has none.
    public func objectUpload(taskID: String) throws(LedgerError) -> ObjectUploadRecord? {
        try readTransaction { db in try ObjectUploadRecord.fetch(taskID: taskID, in: db) }
    }

    /// The video's length, once the download knows it.
    public func setObjectUploadBytesTotal(taskID: String, bytesTotal: Int64, now: Date = Date()) throws(LedgerError) {
        try writeTransaction { db in
            try Self.requireNotTaken(taskID, owner: instanceID, in: db)
            try Self.updateUpload(taskID, "bytes_total = ?", [bytesTotal], now: now.timeIntervalSince1970, in: db)
        }
    }

    /// Records a part UploadPart acknowledged for `uploadID`, with the video's SHA-256
    /// state at its end when the caller has it. Returns false when that same part
    /// (number, ETag, checksum, bytes, and the state when both have one) was recorded
    /// already: a retried write after a crash is harmless. A different part under a recorded number, a part of
    /// another upload id, a part of an upload no longer `uploading`, or a part larger
    /// than the part size is refused: each would make the completed object wrong.
    @discardableResult
    public func recordObjectUploadPart(taskID: String, uploadID: String, part: ObjectUploadPart,
                                       now: Date = Date()) throws(LedgerError) -> Bool {
        let seconds = now.timeIntervalSince1970
        return try writeTransaction { db in
            try Self.requireNotTaken(taskID, owner: instanceID, in: db)
            let upload = try Self.requireUpload(taskID, in: db)
            guard upload.uploadID == uploadID else {
                throw LedgerError.writeFailed(reason: """
                    part \(part.number) of task \(taskID) is for upload \(uploadID), but the ledger's upload is \
                    \(upload.uploadID ?? "a single PutObject")
                    """)
            }
            guard part.bytes <= upload.partSize else {
                throw LedgerError.writeFailed(reason: """
                    part \(part.number) of task \(taskID) has \(part.bytes) bytes, over the part size \(upload.partSize)
                    """)
            }
            if let recorded = try db.fetchOne(sql: """
                SELECT * FROM object_upload_parts WHERE task_id = ? AND part_number = ?
                """, arguments: [taskID, part.number]).map(ObjectUploadPart.init(row:)) {
                let sameState = recorded.sha256Midstate == nil || part.sha256Midstate == nil
                    || recorded.sha256Midstate == part.sha256Midstate
                guard recorded.etag == part.etag && recorded.checksumSHA256 == part.checksumSHA256
                        && recorded.bytes == part.bytes && sameState else {
                    throw LedgerError.writeFailed(reason: """
                        part \(part.number) of task \(taskID) is recorded already with ETag \(recorded.etag)
                        """)
                }
                return false
            }
            guard upload.state == .uploading else {
                throw LedgerError.writeFailed(reason: "the upload of task \(taskID) is \(upload.state.rawValue); it takes no more parts")
            }
            try db.execute(sql: """
                INSERT INTO object_upload_parts (task_id, upload_id, part_number, bytes, etag, checksum_sha256, uploaded_at,
                                                 sha256_midstate)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [taskID, uploadID, part.number, part.bytes, part.etag, part.checksumSHA256,
                                 part.uploadedAt.timeIntervalSince1970, part.sha256Midstate.map { Data($0) }])
            try Self.updateUpload(taskID, "next_attempt_at = NULL", [], now: seconds, in: db)
            return true
        }
    }

    /// The recorded parts, by number: what a resume skips and CompleteMultipartUpload lists.
    public func objectUploadParts(taskID: String) throws(LedgerError) -> [ObjectUploadPart] {
        try readTransaction { db in
            try db.fetchAll(sql: "SELECT * FROM object_upload_parts WHERE task_id = ? ORDER BY part_number",
                             arguments: [taskID]).map(ObjectUploadPart.init(row:))
        }
    }

    /// Every multipart upload id the ledger holds (in `bucket`, when given), whatever
    /// its state: at start, an upload the store lists under the prefix and this set
    /// lacks belongs to nobody and is aborted.
    public func knownObjectUploadIDs(bucket: String? = nil) throws(LedgerError) -> Set<String> {
        try readTransaction { db in
            if let bucket {
                Set(try db.fetchColumn(String.self, sql: """
                    SELECT upload_id FROM object_uploads WHERE upload_id IS NOT NULL AND bucket = ?
                    """, arguments: [bucket]))
            } else {
                Set(try db.fetchColumn(String.self, sql: "SELECT upload_id FROM object_uploads WHERE upload_id IS NOT NULL"))
            }
        }
    }

    /// The store refused (bad credentials, access denied, a 5xx, a timeout): counts the
    /// refusal, keeps its reason for `show` (without what could carry a credential, see
    /// ``CredentialText``), and says when to try again. The upload and its parts stay;
    /// the retry resumes them.
    public func scheduleObjectUploadRetry(taskID: String, reason: String, nextAttemptAt: Date,
                                          now: Date = Date()) throws(LedgerError) {
        try writeTransaction { db in
            try Self.requireNotTaken(taskID, owner: instanceID, in: db)
            try Self.updateUpload(taskID, "attempts = attempts + 1, last_error = ?, next_attempt_at = ?",
                                  [Self.clipped(CredentialText.redacted(reason), to: limits.maxTextBytes),
                                   nextAttemptAt.timeIntervalSince1970],
                                  now: now.timeIntervalSince1970, in: db)
        }
    }

    /// CompleteMultipartUpload (or the PutObject) answered: the object exists. For a
    /// multipart upload the recorded parts must run 1, 2, … without a gap and, when the
    /// length is known, add up to it; a hole would be a wrong object. Already completed
    /// or verified: nothing to do (a restart after the completion).
    public func markObjectUploadCompleted(taskID: String, now: Date = Date()) throws(LedgerError) {
        let seconds = now.timeIntervalSince1970
        try writeTransaction { db in
            try Self.requireNotTaken(taskID, owner: instanceID, in: db)
            let upload = try Self.requireUpload(taskID, in: db)
            guard upload.state == .uploading else { return }
            if upload.uploadID != nil {
                let numbers = try db.fetchColumn(Int.self, sql: """
                    SELECT part_number FROM object_upload_parts WHERE task_id = ? ORDER BY part_number
                    """, arguments: [taskID])
                guard !numbers.isEmpty, numbers == Array(1...numbers.count) else {
                    throw LedgerError.writeFailed(reason: """
                        the upload of task \(taskID) cannot complete: its parts are \
                        \(numbers.isEmpty ? "none" : numbers.map(String.init).joined(separator: ",")), not 1 to N
                        """)
                }
                if let total = upload.bytesTotal, total != upload.bytesUploaded {
                    throw LedgerError.writeFailed(reason: """
                        the upload of task \(taskID) cannot complete: its parts hold \(upload.bytesUploaded) bytes \
                        of \(total)
                        """)
                }
            }
            try Self.updateUpload(taskID, "state = 'completed', completed_at = ?, next_attempt_at = NULL", [seconds],
                                  now: seconds, in: db)
        }
    }

    /// HeadObject showed the object's size and metadata: its ETag and version id are
    /// recorded and the upload is `verified`. The upload must be completed first.
    public func markObjectUploadVerified(taskID: String, etag: String, versionID: String?,
                                         now: Date = Date()) throws(LedgerError) {
        try writeTransaction { db in
            try Self.requireNotTaken(taskID, owner: instanceID, in: db)
            try Self.verifyUpload(taskID, bucket: nil, key: nil, etag: etag, versionID: versionID,
                                  now: now.timeIntervalSince1970, in: db)
        }
    }

    /// Forgets the task's upload and its parts, to start over (the video changed under a
    /// resumed download, or the settings name another bucket or prefix). Returns what
    /// was forgotten, so the caller can abort its upload id; if it dies first, the
    /// sweep at start aborts it, the ledger no longer knowing it. A verified upload is
    /// an archived object and is kept: refused.
    @discardableResult
    public func abandonObjectUpload(taskID: String, now: Date = Date()) throws(LedgerError) -> ObjectUploadRecord? {
        try writeTransaction { db in
            try Self.requireNotTaken(taskID, owner: instanceID, in: db)
            guard let upload = try ObjectUploadRecord.fetch(taskID: taskID, in: db) else { return nil }
            guard upload.state != .verified else {
                throw LedgerError.writeFailed(reason: "the upload of task \(taskID) is verified: \(upload.url) is archived")
            }
            try db.execute(sql: "DELETE FROM object_upload_parts WHERE task_id = ?", arguments: [taskID])
            try db.execute(sql: "DELETE FROM object_uploads WHERE task_id = ?", arguments: [taskID])
            return upload
        }
    }

    // MARK: Inside a transaction

    static func requireUpload(_ taskID: String, in db: any LedgerDatabase) throws -> ObjectUploadRecord {
        guard let upload = try ObjectUploadRecord.fetch(taskID: taskID, in: db) else {
            throw LedgerError.writeFailed(reason: "no object upload for task \(taskID)")
        }
        return upload
    }

    /// Moves a completed upload to `verified` with what HeadObject said. With a bucket
    /// and key, they must be the upload's (the download's end names its object).
    static func verifyUpload(_ taskID: String, bucket: String?, key: String?, etag: String, versionID: String?,
                             now: Double, in db: any LedgerDatabase) throws {
        let upload = try requireUpload(taskID, in: db)
        if let bucket, let key, upload.bucket != bucket || upload.key != key {
            throw LedgerError.writeFailed(reason: """
                task \(taskID) uploads to \(upload.url), not \(ArchivedObject.url(bucket: bucket, key: key))
                """)
        }
        guard upload.state != .uploading else {
            throw LedgerError.writeFailed(reason: "the upload of task \(taskID) is not completed yet; it cannot be verified")
        }
        try updateUpload(taskID, """
            state = 'verified', etag = ?, version_id = ?, verified_at = coalesce(verified_at, ?), last_error = NULL,
            next_attempt_at = NULL
            """, [etag, versionID, now], now: now, in: db)
    }

    private static func updateUpload(_ taskID: String, _ assignments: String,
                                     _ values: SQLArguments, now: Double, in db: any LedgerDatabase) throws {
        try db.execute(sql: "UPDATE object_uploads SET \(assignments), updated_at = ? WHERE task_id = ?",
                       arguments: values + [now, taskID])
        guard try db.changesCount == 1 else {
            throw LedgerError.writeFailed(reason: "no object upload for task \(taskID)")
        }
    }
}
