import Archive
import Foundation
import Testing
import Ledger
import TestSupport
import VideoAPI

@Suite("The tasks and show commands read the ledger beside serve",
       .enabled(if: LedgerBackendUnderTest.isSQLite, "the commands read the SQLite ledger in --state-dir"))
struct CommandTests {
    /// A ledger with three tasks, still open for writing as `serve` would hold it.
    private func populatedLedger(in directory: TemporaryDirectory) throws -> Ledger {
        let ledger = try directory.openLedger()
        let start = Date(timeIntervalSince1970: 1_761_313_800)
        _ = try ledger.record(.event(TaskEvent(task: try Fixture.processing.task, peer: "203.0.113.9:1111", receivedAt: start)))
        _ = try ledger.record(.event(TaskEvent(task: try Fixture.completed.task, peer: "203.0.113.9:1112", receivedAt: start + 60)))
        _ = try ledger.record(.event(TaskEvent(task: try Fixture.completed.task, peer: "203.0.113.9:1113", receivedAt: start + 61)))
        _ = try ledger.record(.event(TaskEvent(task: try Fixture.failed.task, peer: "203.0.113.9:1114", receivedAt: start + 120)))
        _ = try ledger.record(.event(TaskEvent(task: try Fixture.cancelled.task, peer: "203.0.113.9:1115", receivedAt: start + 180)))
        return ledger
    }

    @Test("tasks prints an aligned table, newest first, while the ledger is open for writing")
    func tasksTable() throws {
        let directory = TemporaryDirectory()
        let ledger = try populatedLedger(in: directory)
        let run = try Videohookd.run(["tasks", "--state-dir", directory.path])
        #expect(run.status == 0, "\(run.standardError)")
        let lines = run.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("ID") == true)
        #expect(lines.first?.contains("CREATED (UTC)") == true)
        #expect(lines.dropFirst().first?.hasPrefix("task-unified-1761313900-c0ffee12  cancelled") == true)
        let completedLine = try #require(lines.first { $0.contains("vux2jw0k") })
        #expect(completedLine.contains("completed"))
        #expect(completedLine.contains("100%"))
        #expect(completedLine.contains("2025-10-24 13:49:04"))
        #expect(completedLine.hasSuffix("queued"))
        for column in ["STATUS", "PROGRESS", "LAST SEEN (UTC)", "DOWNLOAD"] {
            let header = try #require(lines.first)
            let start = try #require(header.range(of: column)).lowerBound.utf16Offset(in: header)
            for line in lines.dropFirst().dropLast() {
                let cells = Array(line.utf16)
                #expect(cells.count > start && cells[start] != 0x20 && cells[start - 1] == 0x20,
                        "column \(column) starts at \(start) in every row:\n\(run.standardOutput)")
            }
        }
        #expect(lines.last == "3 tasks")
        _ = ledger
    }

    @Test("tasks --status filters and --json prints the ledger's fields")
    func tasksFilteredJSON() throws {
        let directory = TemporaryDirectory()
        _ = try populatedLedger(in: directory)
        let run = try Videohookd.run(["tasks", "--status", "failed", "--json", "--state-dir", directory.path])
        #expect(run.status == 0, "\(run.standardError)")
        let parsed = try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [[String: Any]]
        let rows = try #require(parsed)
        #expect(rows.count == 1)
        #expect(rows.first?["id"] as? String == "task-unified-1761313800-a8k2pq1z")
        #expect(rows.first?["status"] as? String == "failed")
        #expect(rows.first?["error_code"] as? String == "content_policy_violation")
        #expect(rows.first?["first_seen"] as? String == "2025-10-24T13:52:00Z")
    }

    @Test("tasks --status refuses a status that does not exist")
    func tasksUnknownStatus() throws {
        let directory = TemporaryDirectory()
        _ = try populatedLedger(in: directory)
        let run = try Videohookd.run(["tasks", "--status", "exploded", "--state-dir", directory.path])
        #expect(run.status != 0)
        #expect(run.standardError.contains("unknown status 'exploded'"))
    }

    @Test("show prints the task, its events with counts and its download job")
    func show() throws {
        let directory = TemporaryDirectory()
        _ = try populatedLedger(in: directory)
        let run = try Videohookd.run(["show", "task-unified-1761313744-vux2jw0k", "--state-dir", directory.path])
        #expect(run.status == 0, "\(run.standardError)")
        let text = run.standardOutput
        #expect(text.contains("status      completed (100%)"))
        #expect(text.contains("events (2)"))
        #expect(text.contains("processing  applied  once"))
        #expect(text.contains("completed   applied  2 times"))
        #expect(text.contains("download job"))
        #expect(text.contains("state       queued"))
        #expect(text.contains("deadline    2025-10-25 13:49:04 UTC"))
    }

    @Test("show escapes control characters from outside, so the terminal stays safe")
    func showEscapes() throws {
        let directory = TemporaryDirectory()
        _ = try populatedLedger(in: directory)
        let run = try Videohookd.run(["show", "task-unified-1761313800-a8k2pq1z", "--state-dir", directory.path])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains(#"content_policy_violation: Content policy violation.\nYour request"#))
        #expect(run.standardOutput.contains("download job: none"))
    }

    @Test("show --json gives the task, its events with their bodies, and the job")
    func showJSON() throws {
        let directory = TemporaryDirectory()
        _ = try populatedLedger(in: directory)
        let run = try Videohookd.run(["show", "task-unified-1761313744-vux2jw0k", "--json", "--state-dir", directory.path])
        #expect(run.status == 0, "\(run.standardError)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        let events = try #require(object["events"] as? [[String: Any]])
        #expect(events.map { $0["duplicate_count"] as? Int } == [0, 1])
        #expect((events.first?["body"] as? [String: Any])?["progress"] as? Int == 40)
        #expect((object["download_job"] as? [String: Any])?["source_url"] as? String
                == "https://media.example.com/videos/task-unified-1761313744-vux2jw0k.mp4")
        #expect((object["task"] as? [String: Any])?["status"] as? String == "completed")
    }

    @Test("show prints a bucket archive: the object's s3 URL, ETag and version id, and the upload; --json too")
    func showObjectArchive() throws {
        let directory = TemporaryDirectory()
        let ledger = try populatedLedger(in: directory)
        let id = "task-unified-1761313744-vux2jw0k"
        let key = "archive/2025/10/24/\(id).mp4"
        _ = try ledger.beginObjectUpload(taskID: id, bucket: "videos", key: key, uploadID: "upload-7f3",
                                         partSize: 5_242_880, bytesTotal: 20)
        try ledger.recordObjectUploadPart(taskID: id, uploadID: "upload-7f3", part: ObjectUploadPart(
            number: 1, bytes: 20, etag: "\"p1\"", checksumSHA256: Data(count: 32).base64EncodedString()))
        try ledger.scheduleObjectUploadRetry(taskID: id, reason: "AccessDenied: not allowed", nextAttemptAt: Date())
        try ledger.markObjectUploadCompleted(taskID: id)
        try ledger.markDownloadDone(taskID: id, object: ArchivedObject(bucket: "videos", key: key, etag: "\"e-1\"",
                                                                       versionID: "v42"),
                                    sha256: "ab", bytes: 20, sidecarURL: "s3://videos/archive/2025/10/24/\(id).json")

        let run = try Videohookd.run(["show", id, "--state-dir", directory.path])
        #expect(run.status == 0, "\(run.standardError)")
        let text = run.standardOutput
        #expect(text.contains("  archive     s3://videos/\(key)\n"))
        #expect(text.contains("  object etag \"e-1\"\n"))
        #expect(text.contains("  version id  v42\n"))
        #expect(text.contains("object upload\n  object      s3://videos/\(key)\n  state       verified\n"))
        #expect(text.contains("  upload id   upload-7f3\n  parts       1 recorded, part size 5242880\n"))
        #expect(text.contains("  uploaded    20 of 20 (100 %)\n"))
        #expect(text.contains("  attempts    1 refused\n"), "no next attempt once verified")
        #expect(text.contains("  last error  -\n"), "verification clears the last refusal")

        let json = try Videohookd.run(["show", id, "--json", "--state-dir", directory.path])
        #expect(json.status == 0, "\(json.standardError)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let upload = try #require(object["object_upload"] as? [String: Any])
        #expect(upload["url"] as? String == "s3://videos/\(key)" && upload["etag"] as? String == "\"e-1\"")
        #expect(upload["version_id"] as? String == "v42" && upload["state"] as? String == "verified")
        #expect(upload["parts_count"] as? Int == 1 && upload["attempts"] as? Int == 1)
        let job = try #require(object["download_job"] as? [String: Any])
        #expect(job["archive_path"] as? String == "s3://videos/\(key)")
        #expect(job["object_etag"] as? String == "\"e-1\"" && job["object_version_id"] as? String == "v42")
    }

    @Test("show of an unknown id says so and exits 1")
    func showUnknown() throws {
        let directory = TemporaryDirectory()
        _ = try populatedLedger(in: directory)
        let run = try Videohookd.run(["show", "task-unified-0-nothere", "--state-dir", directory.path])
        #expect(run.status == 1)
        #expect(run.standardError.contains("no task task-unified-0-nothere"))
        let unsafe = try Videohookd.run(["show", "../etc", "--state-dir", directory.path])
        #expect(unsafe.status == 1)
        #expect(unsafe.standardError.contains("is not a task id"))
    }

    @Test("with no ledger yet, both commands say serve has not run and name the path")
    func noLedgerYet() throws {
        let directory = TemporaryDirectory()
        for arguments in [["tasks"], ["show", "task-1"]] {
            let run = try Videohookd.run(arguments + ["--state-dir", directory.path])
            #expect(run.status == 1)
            #expect(run.standardError.contains("no ledger at \(directory.path)/ledger.sqlite"))
            #expect(run.standardError.contains("serve"))
        }
        #expect(!FileManager.default.fileExists(atPath: directory.ledgerPath), "reading creates nothing")
    }

    @Test("the state folder comes from STATE_DIRECTORY, else ./videohookd-state")
    func stateDirectoryDefaults() throws {
        let directory = TemporaryDirectory()
        _ = try populatedLedger(in: directory)
        let fromEnvironment = try Videohookd.run(["tasks"], environment: ["STATE_DIRECTORY": directory.path])
        #expect(fromEnvironment.status == 0, "\(fromEnvironment.standardError)")
        #expect(fromEnvironment.standardOutput.contains("3 tasks"))

        let workingDirectory = TemporaryDirectory()
        let fallback = try Videohookd.run(["tasks"], in: workingDirectory.path)
        #expect(fallback.status == 1)
        #expect(fallback.standardError.contains("./videohookd-state/ledger.sqlite"))
    }
}
