import Foundation
import Outbox
import Testing
@testable import Ledger
import TestSupport
import VideoAPI

/// The ledger side of archiving to a bucket (issue 20): one upload per task, its parts,
/// its refusals, its completion, and the download's end naming the object.
@Suite("Object uploads in the ledger")
struct ObjectUploadTests {
    static let bucket = "videos"
    static let partSize: Int64 = 5 * 1024 * 1024
    let directory = TemporaryDirectory()

    static func key(_ taskID: String) -> String { "archive/2025/10/24/\(taskID).mp4" }

    /// Base64 of a 32-byte digest, as `x-amz-checksum-sha256` carries it.
    static func checksum(_ seed: UInt8) -> String { Data(repeating: seed, count: 32).base64EncodedString() }

    static func part(_ number: Int, bytes: Int64 = partSize, etag: String? = nil) -> ObjectUploadPart {
        ObjectUploadPart(number: number, bytes: bytes, etag: etag ?? "\"etag-\(number)\"",
                         checksumSHA256: checksum(UInt8(number)), uploadedAt: Date(timeIntervalSince1970: 1_800_000_000))
    }

    /// A ledger holding completed tasks (each with its download job), notifications to one webhook.
    func ledger(tasks: [String] = ["t1"]) throws -> Ledger {
        let ledger = try directory.openLedger()
        try ledger.setNotificationTargets([
            NotificationTarget(key: "webhook https://app.test/hooks", events: Set(NotificationEventType.allCases)),
        ])
        for id in tasks {
            _ = try ledger.record(try TaskBody.event(id: id, status: .completed,
                                                     results: ["https://media.example.com/videos/\(id).mp4?sig=s3cr3t"]))
        }
        return ledger
    }

    func begin(_ ledger: Ledger, _ taskID: String = "t1", uploadID: String? = "upload-1",
               key: String? = nil, bytesTotal: Int64? = nil) throws -> ObjectUploadStart {
        try ledger.beginObjectUpload(taskID: taskID, bucket: Self.bucket, key: key ?? Self.key(taskID),
                                     uploadID: uploadID, partSize: Self.partSize, bytesTotal: bytesTotal)
    }

    // MARK: Beginning and resuming

    @Test("begin records the upload; a second begin for the same object returns the stored upload id")
    func beginIsIdempotent() throws {
        let ledger = try ledger()
        let first = try begin(ledger)
        guard case .created(let created) = first else {
            Issue.record("expected a new upload, got \(first)")
            return
        }
        #expect(created.uploadID == "upload-1" && created.state == .uploading && created.partsCount == 0)
        #expect(created.url == "s3://videos/archive/2025/10/24/t1.mp4")
        #expect(created.bytesTotal == nil && created.attempts == 0 && created.lastError == nil)

        // A run that created a second multipart upload before finding the first keeps the first.
        let again = try begin(ledger, uploadID: "upload-2")
        #expect(again == .resumed(created))
        #expect(try ledger.knownObjectUploadIDs() == ["upload-1"])
    }

    @Test("a task cannot begin a second upload to another object")
    func beginAnotherObjectIsRefused() throws {
        let ledger = try ledger()
        _ = try begin(ledger)
        #expect {
            try begin(ledger, uploadID: "upload-9", key: "other/t1.mp4")
        } throws: { error in
            guard case .writeFailed(let reason)? = error as? LedgerError else { return false }
            return reason.contains("s3://videos/archive/2025/10/24/t1.mp4") && reason.contains("s3://videos/other/t1.mp4")
        }
        #expect(try ledger.objectUpload(taskID: "t1")?.key == Self.key("t1"))
    }

    @Test("after a restart (the ledger file reopened) the same upload, its parts and its id are resumed")
    func resumeAfterRestart() throws {
        do {
            let ledger = try ledger()
            _ = try begin(ledger, bytesTotal: 2 * Self.partSize + 10)
            try ledger.recordObjectUploadPart(taskID: "t1", uploadID: "upload-1", part: Self.part(1))
            try ledger.recordObjectUploadPart(taskID: "t1", uploadID: "upload-1", part: Self.part(2))
            try ledger.close()
        }
        let reopened = try directory.openLedger()
        let start = try begin(reopened, uploadID: "upload-after-restart")
        guard case .resumed(let upload) = start else {
            Issue.record("expected the stored upload, got \(start)")
            return
        }
        #expect(upload.uploadID == "upload-1")
        #expect(upload.partsCount == 2 && upload.bytesUploaded == 2 * Self.partSize)
        #expect(upload.bytesTotal == 2 * Self.partSize + 10)
        #expect(try reopened.objectUploadParts(taskID: "t1") == [Self.part(1), Self.part(2)])
        #expect(try reopened.knownObjectUploadIDs() == ["upload-1"])
        // The same part written again after the restart (recorded before the kill) is harmless.
        #expect(try reopened.recordObjectUploadPart(taskID: "t1", uploadID: "upload-1", part: Self.part(2)) == false)
        #expect(try reopened.recordObjectUploadPart(taskID: "t1", uploadID: "upload-1", part: Self.part(3, bytes: 10)))
        try reopened.markObjectUploadCompleted(taskID: "t1")
        #expect(try reopened.objectUpload(taskID: "t1")?.state == .completed)
    }

    // MARK: Parts

    @Test("parts are listed by number with their bytes, ETag and checksum; the upload counts them")
    func partsListed() throws {
        let ledger = try ledger()
        _ = try begin(ledger)
        for number in [3, 1, 2] {
            #expect(try ledger.recordObjectUploadPart(taskID: "t1", uploadID: "upload-1",
                                                      part: Self.part(number, bytes: number == 3 ? 7 : Self.partSize)))
        }
        let parts = try ledger.objectUploadParts(taskID: "t1")
        #expect(parts.map(\.number) == [1, 2, 3])
        #expect(parts.map(\.bytes) == [Self.partSize, Self.partSize, 7])
        #expect(parts[2].etag == "\"etag-3\"" && parts[2].checksumSHA256 == Self.checksum(3))
        #expect(parts[2].uploadedAt == Date(timeIntervalSince1970: 1_800_000_000))
        let upload = try #require(try ledger.objectUpload(taskID: "t1"))
        #expect(upload.partsCount == 3 && upload.bytesUploaded == 2 * Self.partSize + 7)
        #expect(try ledger.objectUploadParts(taskID: "no-upload").isEmpty)
    }

    @Test("a part that would make the object wrong is refused: another ETag, another upload id, too large, a single PutObject")
    func wrongPartsRefused() throws {
        let ledger = try ledger(tasks: ["t1", "t2"])
        _ = try begin(ledger)
        try ledger.recordObjectUploadPart(taskID: "t1", uploadID: "upload-1", part: Self.part(1))
        func refused(_ taskID: String, _ uploadID: String, _ part: ObjectUploadPart, saying text: String) {
            #expect {
                try ledger.recordObjectUploadPart(taskID: taskID, uploadID: uploadID, part: part)
            } throws: { error in
                guard case .writeFailed(let reason)? = error as? LedgerError else { return false }
                return reason.contains(text)
            }
        }
        refused("t1", "upload-1", Self.part(1, etag: "\"other\""), saying: "recorded already")
        refused("t1", "upload-stale", Self.part(2), saying: "upload-stale")
        refused("t1", "upload-1", Self.part(2, bytes: Self.partSize + 1), saying: "over the part size")
        refused("no-such-task", "upload-1", Self.part(1), saying: "no object upload")
        _ = try begin(ledger, "t2", uploadID: nil)
        refused("t2", "upload-1", Self.part(1), saying: "a single PutObject")
        // Nothing of the refused parts was kept.
        #expect(try ledger.objectUploadParts(taskID: "t1") == [Self.part(1)])
        #expect(try ledger.objectUploadParts(taskID: "t2").isEmpty)
    }

    @Test("a completed upload takes no more parts")
    func noPartsAfterCompletion() throws {
        let ledger = try ledger()
        _ = try begin(ledger)
        try ledger.recordObjectUploadPart(taskID: "t1", uploadID: "upload-1", part: Self.part(1, bytes: 100))
        try ledger.markObjectUploadCompleted(taskID: "t1")
        #expect(throws: LedgerError.self) {
            try ledger.recordObjectUploadPart(taskID: "t1", uploadID: "upload-1", part: Self.part(2, bytes: 100))
        }
        #expect(try ledger.objectUpload(taskID: "t1")?.partsCount == 1)
    }

    // MARK: The sweep at start

    @Test("the known upload ids are every multipart upload the ledger holds, by bucket when asked")
    func knownUploadIDs() throws {
        let ledger = try ledger(tasks: ["t1", "t2", "t3", "t4"])
        #expect(try ledger.knownObjectUploadIDs().isEmpty)
        _ = try begin(ledger, "t1", uploadID: "u-1")
        _ = try begin(ledger, "t2", uploadID: nil)                  // a single PutObject has none
        _ = try ledger.beginObjectUpload(taskID: "t3", bucket: "elsewhere", key: "t3.mp4", uploadID: "u-3",
                                         partSize: Self.partSize)
        _ = try begin(ledger, "t4", uploadID: "u-4")
        try ledger.recordObjectUploadPart(taskID: "t4", uploadID: "u-4", part: Self.part(1, bytes: 1))
        try ledger.markObjectUploadCompleted(taskID: "t4")           // completed ones stay known
        #expect(try ledger.knownObjectUploadIDs() == ["u-1", "u-3", "u-4"])
        #expect(try ledger.knownObjectUploadIDs(bucket: Self.bucket) == ["u-1", "u-4"])
        #expect(try ledger.knownObjectUploadIDs(bucket: "elsewhere") == ["u-3"])
    }

    // MARK: Refusals and retries

    @Test("a refusal is counted with its reason and next attempt; a later part clears the wait, not the reason")
    func refusalAndRetry() throws {
        let ledger = try ledger()
        _ = try begin(ledger)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        try ledger.scheduleObjectUploadRetry(taskID: "t1", reason: "InvalidAccessKeyId: the key id does not exist",
                                             nextAttemptAt: now + 30, now: now)
        try ledger.scheduleObjectUploadRetry(taskID: "t1", reason: "SignatureDoesNotMatch: check the secret",
                                             nextAttemptAt: now + 120, now: now + 30)
        var upload = try #require(try ledger.objectUpload(taskID: "t1"))
        #expect(upload.attempts == 2)
        #expect(upload.lastError == "SignatureDoesNotMatch: check the secret")
        #expect(upload.nextAttemptAt == now + 120)
        #expect(upload.updatedAt == now + 30)
        #expect(upload.uploadID == "upload-1" && upload.state == .uploading)

        try ledger.recordObjectUploadPart(taskID: "t1", uploadID: "upload-1", part: Self.part(1))
        upload = try #require(try ledger.objectUpload(taskID: "t1"))
        #expect(upload.nextAttemptAt == nil && upload.attempts == 2)
        #expect(upload.lastError == "SignatureDoesNotMatch: check the secret")

        let long = String(repeating: "x", count: ledger.limits.maxTextBytes * 2)
        try ledger.scheduleObjectUploadRetry(taskID: "t1", reason: long, nextAttemptAt: now)
        #expect(try ledger.objectUpload(taskID: "t1")?.lastError?.utf8.count ?? 0 <= ledger.limits.maxTextBytes)
        #expect(throws: LedgerError.self) {
            try ledger.scheduleObjectUploadRetry(taskID: "no-upload", reason: "x", nextAttemptAt: now)
        }
    }

    // MARK: Completing and verifying

    @Test("completion needs parts 1 to N without a gap, adding up to the length when known; it happens once")
    func completion() throws {
        let ledger = try ledger()
        _ = try begin(ledger, bytesTotal: Self.partSize + 5)
        func refusedSaying(_ text: String) {
            #expect {
                try ledger.markObjectUploadCompleted(taskID: "t1")
            } throws: { error in
                guard case .writeFailed(let reason)? = error as? LedgerError else { return false }
                return reason.contains(text)
            }
        }
        refusedSaying("parts are none")
        try ledger.recordObjectUploadPart(taskID: "t1", uploadID: "upload-1", part: Self.part(2, bytes: 5))
        refusedSaying("parts are 2")
        try ledger.recordObjectUploadPart(taskID: "t1", uploadID: "upload-1", part: Self.part(1, bytes: Self.partSize - 1))
        refusedSaying("\(Self.partSize + 4) bytes of \(Self.partSize + 5)")
        #expect(try ledger.objectUpload(taskID: "t1")?.state == .uploading)

        _ = try ledger.abandonObjectUpload(taskID: "t1")
        _ = try begin(ledger, uploadID: "upload-2", bytesTotal: nil)
        try ledger.recordObjectUploadPart(taskID: "t1", uploadID: "upload-2", part: Self.part(1, bytes: 3))
        try ledger.setObjectUploadBytesTotal(taskID: "t1", bytesTotal: 3)
        let now = Date(timeIntervalSince1970: 1_800_000_100)
        try ledger.markObjectUploadCompleted(taskID: "t1", now: now)
        try ledger.markObjectUploadCompleted(taskID: "t1", now: now + 50)   // after a restart: nothing moves
        let upload = try #require(try ledger.objectUpload(taskID: "t1"))
        #expect(upload.state == .completed && upload.completedAt == now && upload.bytesTotal == 3)
    }

    @Test("a single PutObject completes without parts")
    func singlePutCompletes() throws {
        let ledger = try ledger()
        _ = try begin(ledger, uploadID: nil, bytesTotal: 10)
        try ledger.markObjectUploadCompleted(taskID: "t1")
        #expect(try ledger.objectUpload(taskID: "t1")?.state == .completed)
    }

    @Test("verifying records HeadObject's ETag and version id, only once the upload is completed")
    func verification() throws {
        let ledger = try ledger()
        _ = try begin(ledger)
        #expect(throws: LedgerError.self) {
            try ledger.markObjectUploadVerified(taskID: "t1", etag: "\"e\"", versionID: nil)
        }
        try ledger.recordObjectUploadPart(taskID: "t1", uploadID: "upload-1", part: Self.part(1, bytes: 9))
        try ledger.scheduleObjectUploadRetry(taskID: "t1", reason: "HTTP 503", nextAttemptAt: Date())
        try ledger.markObjectUploadCompleted(taskID: "t1")
        let now = Date(timeIntervalSince1970: 1_800_000_200)
        try ledger.markObjectUploadVerified(taskID: "t1", etag: "\"abc-1\"", versionID: "v-7", now: now)
        let upload = try #require(try ledger.objectUpload(taskID: "t1"))
        #expect(upload.state == .verified && upload.etag == "\"abc-1\"" && upload.versionID == "v-7")
        #expect(upload.verifiedAt == now && upload.lastError == nil && upload.nextAttemptAt == nil)
    }

    @Test("abandoning forgets the upload and its parts, so the sweep aborts its id; a verified one is kept")
    func abandon() throws {
        let ledger = try ledger()
        #expect(try ledger.abandonObjectUpload(taskID: "t1") == nil)
        _ = try begin(ledger)
        try ledger.recordObjectUploadPart(taskID: "t1", uploadID: "upload-1", part: Self.part(1, bytes: 4))
        let abandoned = try #require(try ledger.abandonObjectUpload(taskID: "t1"))
        #expect(abandoned.uploadID == "upload-1" && abandoned.partsCount == 1)
        #expect(try ledger.objectUpload(taskID: "t1") == nil)
        #expect(try ledger.objectUploadParts(taskID: "t1").isEmpty)
        #expect(try ledger.knownObjectUploadIDs().isEmpty)
        // Starting over elsewhere is now allowed, with a fresh upload id and no old part.
        let fresh = try begin(ledger, uploadID: "upload-2", key: "other/t1.mp4")
        #expect(fresh.upload.uploadID == "upload-2" && fresh.upload.partsCount == 0)
        if case .created = fresh {} else { Issue.record("expected a new upload, got \(fresh)") }

        try ledger.recordObjectUploadPart(taskID: "t1", uploadID: "upload-2", part: Self.part(1, bytes: 4))
        try ledger.markObjectUploadCompleted(taskID: "t1")
        try ledger.markObjectUploadVerified(taskID: "t1", etag: "\"e\"", versionID: nil)
        #expect(throws: LedgerError.self) { try ledger.abandonObjectUpload(taskID: "t1") }
        #expect(try ledger.objectUpload(taskID: "t1")?.state == .verified)
    }
}
