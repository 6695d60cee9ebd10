import Foundation
import Testing
@testable import Ledger
import TestSupport
import VideoAPI

/// Migration `v5-object-uploads`: an existing ledger upgrades, and the schema itself
/// refuses what would make a second upload or a part counted twice, whatever the code does.
@Suite("Migration v5-object-uploads and its constraints")
struct ObjectUploadSchemaTests {
    let directory = TemporaryDirectory()
    static let checksum = Data(repeating: 1, count: 32).base64EncodedString()

    @Test("a v4 ledger upgrades: its tasks and jobs stay, the upload tables and job columns appear")
    func migrationFromV4() throws {
        try directory.prepareLedger(upTo: "v4-notifications", then: """
            INSERT INTO tasks (id, status, created, first_seen, last_seen) VALUES ('t-old', 'completed', 100, 1, 1);
            INSERT INTO download_jobs (task_id, state, source_url, deadline, next_attempt_at, bytes_done,
                                       archive_path, sha256, created_at, updated_at)
            VALUES ('t-old', 'done', 'https://cdn.example.com/v.mp4', 86500, 1, 42, '/a/t-old.mp4', 'ab', 1, 2);
            """)
        #expect(throws: LedgerError.schemaTooOld(path: try directory.ledgerLocation())) {
            try directory.openLedgerForReading()
        }
        let ledger = try directory.openLedger()
        #expect(try ledger.columns(in: "object_uploads").contains("upload_id"))
        let applied = try ledger.appliedMigrations()
        #expect(Array(applied.prefix(5)) == ["v1", "v2-download-resume", "v3-api-tasks", "v4-notifications", "v5-object-uploads"])
        let columns = try ledger.columns(in: "download_jobs")
        #expect(columns.contains("object_etag") && columns.contains("object_version_id"))
        let detail = try #require(try ledger.task(id: TaskID("t-old")!))
        let job = try #require(detail.downloadJob)
        #expect(job.state == .done && job.archivePath == "/a/t-old.mp4" && job.bytesDone == 42)
        #expect(job.objectETag == nil && job.objectVersionID == nil && detail.objectUpload == nil)
        // The old task takes an upload like a new one.
        _ = try ledger.beginObjectUpload(taskID: "t-old", bucket: "videos", key: "t-old.mp4", uploadID: "u",
                                         partSize: 5_242_880)
        #expect(try ledger.knownObjectUploadIDs() == ["u"])
        // And a reader of this version opens it.
        #expect(try directory.openLedgerForReading().objectUpload(taskID: "t-old")?.uploadID == "u")
    }

    /// A ledger with tasks t1 and t2, and t1's upload `u1` holding part 1, written in raw SQL.
    func ledger() throws -> Ledger {
        let ledger = try directory.openLedger()
        try ledger.testWrite(script: """
            INSERT INTO tasks (id, status, first_seen, last_seen) VALUES ('t1', 'completed', 1, 1), ('t2', 'completed', 1, 1);
            INSERT INTO object_uploads (task_id, bucket, object_key, upload_id, part_size, created_at, updated_at)
            VALUES ('t1', 'videos', 't1.mp4', 'u1', 5242880, 1, 1);
            INSERT INTO object_upload_parts (task_id, upload_id, part_number, bytes, etag, checksum_sha256, uploaded_at)
            VALUES ('t1', 'u1', 1, 5242880, '"e1"', '\(Self.checksum)', 1);
            """)
        return ledger
    }

    func upload(task: String = "t2", bucket: String = "videos", key: String = "t2.mp4", uploadID: String = "'u2'",
                partSize: String = "5242880", state: String = "'uploading'", extra: (String, String)? = nil) -> String {
        let (columns, values) = extra.map { (", " + $0.0, ", " + $0.1) } ?? ("", "")
        return """
            INSERT INTO object_uploads (task_id, bucket, object_key, upload_id, part_size, state, created_at, updated_at\(columns))
            VALUES ('\(task)', '\(bucket)', '\(key)', \(uploadID), \(partSize), \(state), 1, 1\(values))
            """
    }

    func part(task: String = "t1", uploadID: String = "u1", number: String = "2", bytes: String = "10",
              etag: String = "'\"e\"'", checksum: String? = nil) -> String {
        """
        INSERT INTO object_upload_parts (task_id, upload_id, part_number, bytes, etag, checksum_sha256, uploaded_at)
        VALUES ('\(task)', '\(uploadID)', \(number), \(bytes), \(etag), '\(checksum ?? Self.checksum)', 1)
        """
    }

    @Test("one upload per task, one per object, one row per upload id in a bucket")
    func uploadUniqueness() throws {
        let ledger = try ledger()
        expectRefused(ledger, upload(task: "t1", key: "t1-again.mp4", uploadID: "'u9'"), "a second upload for a task")
        expectRefused(ledger, upload(key: "t1.mp4"), "another task's upload to the same object")
        expectRefused(ledger, upload(uploadID: "'u1'"), "the same upload id twice in a bucket")
        expectRefused(ledger, upload(task: "t-unknown"), "an upload for a task the ledger does not have")
        try ledger.testWrite(sql: upload())
        #expect(try ledger.testCount("SELECT count(*) FROM object_uploads") == 2)
    }

    @Test("an upload's values are checked: bucket, key, upload id, part size, state, what verified needs")
    func uploadChecks() throws {
        let ledger = try ledger()
        expectRefused(ledger, upload(bucket: "ab"), "a bucket name under 3 characters")
        expectRefused(ledger, upload(key: ""), "an empty key")
        expectRefused(ledger, upload(uploadID: "''"), "an empty upload id")
        expectRefused(ledger, upload(partSize: "5242879"), "a part size under 5 MiB")
        expectRefused(ledger, upload(partSize: "5368709121"), "a part size over 5 GiB")
        expectRefused(ledger, upload(state: "'done'"), "an unknown state")
        expectRefused(ledger, upload(state: "'completed'"), "completed without a completion time")
        expectRefused(ledger, upload(state: "'verified'", extra: ("completed_at", "2")), "verified without an ETag")
        expectRefused(ledger, upload(extra: ("attempts", "-1")), "negative attempts")
        expectRefused(ledger, upload(extra: ("bytes_total", "-1")), "a negative length")
        try ledger.testWrite(sql: upload(state: "'verified'", extra: ("completed_at, verified_at, etag", "2, 3, '\"e\"'")))
    }

    @Test("a part number is recorded once, within 1 to 10 000, for the upload id its task holds")
    func partConstraints() throws {
        let ledger = try ledger()
        expectRefused(ledger, part(number: "1"), "part 1 a second time")
        expectRefused(ledger, part(number: "1", etag: "'\"other\"'"), "part 1 again with another ETag")
        expectRefused(ledger, part(number: "0"), "part 0")
        expectRefused(ledger, part(number: "10001"), "part 10 001")
        expectRefused(ledger, part(uploadID: "u-old"), "a part of an upload id the task does not hold")
        expectRefused(ledger, part(task: "t2"), "a part of a task without an upload")
        expectRefused(ledger, part(bytes: "-1"), "negative bytes")
        expectRefused(ledger, part(etag: "''"), "an empty ETag")
        expectRefused(ledger, part(checksum: "c2hhMjU2"), "a checksum that is not 32 bytes in base64")
        try ledger.testWrite(sql: part(number: "10000"))
        #expect(try ledger.objectUploadParts(taskID: "t1").map(\.number) == [1, 10000])
    }
}
