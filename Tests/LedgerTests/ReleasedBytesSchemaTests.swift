import Foundation
import Testing
@testable import Ledger
import TestSupport
import VideoAPI

/// Migration `v6-released-bytes`: each part's SHA-256 state and the job's released
/// bytes, on which a resume of a partial file whose uploaded parts were released depends.
@Suite("Migration v6-released-bytes and the released bytes")
struct ReleasedBytesSchemaTests {
    let directory = TemporaryDirectory()
    static let checksum = Data(repeating: 1, count: 32).base64EncodedString()
    static let partSize: Int64 = 5 << 20
    /// An encoded state of 40 bytes (no tail) and one of 47.
    static let state = [UInt8](repeating: 7, count: 40)
    static let otherState = [UInt8](repeating: 9, count: 47)

    /// A ledger with completed task `t1`, its download job, and its upload `u1`.
    func ledger() throws -> Ledger {
        let ledger = try directory.openLedger()
        _ = try ledger.record(try TaskBody.event(id: "t1", status: .completed))
        _ = try ledger.beginObjectUpload(taskID: "t1", bucket: "videos", key: "t1.mp4", uploadID: "u1",
                                         partSize: Self.partSize)
        return ledger
    }

    func part(_ number: Int, state: [UInt8]?) -> ObjectUploadPart {
        ObjectUploadPart(number: number, bytes: Self.partSize, etag: "\"e\(number)\"", checksumSHA256: Self.checksum,
                         sha256Midstate: state)
    }

    @Test("a v5 ledger upgrades: its parts keep no state, its jobs have released nothing, new parts keep theirs")
    func migrationFromV5() throws {
        try directory.prepareLedger(upTo: "v5-object-uploads", then: """
            INSERT INTO tasks (id, status, created, first_seen, last_seen) VALUES ('t-old', 'completed', 100, 1, 1);
            INSERT INTO download_jobs (task_id, state, source_url, deadline, next_attempt_at, bytes_done,
                                       created_at, updated_at)
            VALUES ('t-old', 'running', 'https://cdn.example.com/v.mp4', 86500, 1, 6000000, 1, 2);
            INSERT INTO object_uploads (task_id, bucket, object_key, upload_id, part_size, created_at, updated_at)
            VALUES ('t-old', 'videos', 't-old.mp4', 'u-old', 5242880, 1, 1);
            INSERT INTO object_upload_parts (task_id, upload_id, part_number, bytes, etag, checksum_sha256, uploaded_at)
            VALUES ('t-old', 'u-old', 1, 5242880, '"e1"', '\(Self.checksum)', 1);
            """)
        let ledger = try directory.openLedger()
        let applied = try ledger.appliedMigrations()
        #expect(applied.count >= 6 && applied[5] == "v6-released-bytes"
                    && applied.last == LedgerSchema.migrations.last?.identifier)
        let job = try #require(try ledger.downloadJob(taskID: "t-old"))
        #expect(job.bytesDone == 6_000_000 && job.bytesReleased == 0)
        #expect(try ledger.objectUploadParts(taskID: "t-old").map(\.sha256Midstate) == [nil])
        try ledger.recordObjectUploadPart(taskID: "t-old", uploadID: "u-old", part: part(2, state: Self.state))
        #expect(try ledger.objectUploadParts(taskID: "t-old").map(\.sha256Midstate) == [nil, Self.state])
        // A reader of this version opens it.
        #expect(try directory.openLedgerForReading().downloadJob(taskID: "t-old")?.bytesReleased == 0)
    }

    @Test("the schema refuses a state of a length no encoding has, and negative released bytes")
    func constraints() throws {
        let ledger = try ledger()
        for (length, comment) in [(39, "one byte short of the words and the count"), (104, "a tail of 64 bytes")] {
            let zeros = LedgerBackendUnderTest.isPostgres ? "decode(repeat('00', \(length)), 'hex')" : "zeroblob(\(length))"
            expectRefused(ledger, """
                INSERT INTO object_upload_parts (task_id, upload_id, part_number, bytes, etag, checksum_sha256, uploaded_at,
                                                 sha256_midstate)
                VALUES ('t1', 'u1', 1, 5242880, '"e"', '\(Self.checksum)', 1, \(zeros))
                """, Comment(rawValue: comment))
        }
        expectRefused(ledger, "UPDATE download_jobs SET bytes_released = -1 WHERE task_id = 't1'", "negative released bytes")
        try ledger.recordObjectUploadPart(taskID: "t1", uploadID: "u1", part: part(1, state: [UInt8](repeating: 0, count: 103)))
    }

    @Test("a part recorded again with the same state, or without one, is the same part; with another state it is refused")
    func partStateOnRetry() throws {
        let ledger = try ledger()
        #expect(try ledger.recordObjectUploadPart(taskID: "t1", uploadID: "u1", part: part(1, state: Self.state)))
        #expect(try !ledger.recordObjectUploadPart(taskID: "t1", uploadID: "u1", part: part(1, state: Self.state)))
        #expect(try !ledger.recordObjectUploadPart(taskID: "t1", uploadID: "u1", part: part(1, state: nil)))
        #expect(throws: LedgerError.self) {
            try ledger.recordObjectUploadPart(taskID: "t1", uploadID: "u1", part: part(1, state: Self.otherState))
        }
        #expect(try ledger.objectUploadParts(taskID: "t1").map(\.sha256Midstate) == [Self.state])
    }

    @Test("released bytes: never past bytes_done, never lowered by a release, lowered with bytes_done when the file is cut back, cleared by retry")
    func releasedBytes() throws {
        let ledger = try ledger()
        // Nothing is durable yet: nothing can be released.
        #expect(throws: LedgerError.self) { try ledger.recordDownloadBytesReleased(taskID: "t1", bytes: 1) }
        try ledger.recordDownloadProgress(taskID: "t1", bytesDone: 3 * Self.partSize)
        try ledger.recordDownloadBytesReleased(taskID: "t1", bytes: 2 * Self.partSize)
        #expect(try ledger.downloadJob(taskID: "t1")?.bytesReleased == 2 * Self.partSize)
        // A late, smaller release changes nothing; one past the durable bytes is refused.
        try ledger.recordDownloadBytesReleased(taskID: "t1", bytes: Self.partSize)
        #expect(throws: LedgerError.self) {
            try ledger.recordDownloadBytesReleased(taskID: "t1", bytes: 3 * Self.partSize + 1)
        }
        #expect(try ledger.downloadJob(taskID: "t1")?.bytesReleased == 2 * Self.partSize)
        #expect(throws: LedgerError.self) { try ledger.recordDownloadBytesReleased(taskID: "t-none", bytes: 0) }

        // Progress past them keeps them; the whole file recorded keeps them.
        try ledger.recordDownloadProgress(taskID: "t1", bytesDone: 4 * Self.partSize)
        #expect(try ledger.downloadJob(taskID: "t1")?.bytesReleased == 2 * Self.partSize)
        // The file started over: a response written from 0 has released nothing.
        try ledger.recordDownloadResponse(taskID: "t1", facts: DownloadResponseFacts(bytesTotal: 100, etag: "\"x\"",
                                                                                    lastModified: nil, contentType: nil),
                                          bytesDone: 0)
        #expect(try ledger.downloadJob(taskID: "t1")?.bytesReleased == 0)
        try ledger.recordDownloadProgress(taskID: "t1", bytesDone: 2 * Self.partSize)
        try ledger.recordDownloadBytesReleased(taskID: "t1", bytes: Self.partSize)
        try ledger.recordDownloadProgress(taskID: "t1", bytesDone: 0)
        #expect(try ledger.downloadJob(taskID: "t1")?.bytesReleased == 0)

        // `retry` of a failed job starts its file over, released bytes included.
        try ledger.recordDownloadProgress(taskID: "t1", bytesDone: 2 * Self.partSize)
        try ledger.recordDownloadBytesReleased(taskID: "t1", bytes: Self.partSize)
        try ledger.markDownloadFailed(taskID: "t1", reason: "gave up")
        guard case .requeued(let job) = try ledger.retryDownload(taskID: TaskID("t1")!) else {
            Issue.record("the failed job was not requeued")
            return
        }
        #expect(job.bytesReleased == 0 && job.bytesDone == 0)
        #expect(try ledger.downloadJob(taskID: "t1")?.bytesReleased == 0)
    }
}
