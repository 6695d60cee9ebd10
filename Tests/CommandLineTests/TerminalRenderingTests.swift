import Foundation
import Ledger
import Testing
import TestSupport
import VideoAPI
@testable import videohookd

/// The command line's rendering of what the ledger holds: `tasks` and `show`.
@Suite("Terminal rendering")
struct TerminalRenderingTests {
    static let id = "task-unified-1761313744-vux2jw0k"
    let folder = TemporaryDirectory(prefix: "vh-cli")

    func task(_ status: TaskStatus, estimatedTime: Int? = nil) throws -> ValidatedTask {
        let body = TaskBodies.task(Self.id, status: status.rawValue, created: 1_761_313_744,
                                   results: status == .completed ? ["https://media.example.com/v/\(Self.id).mp4?sig=1"] : [],
                                   estimatedTime: estimatedTime)
        guard case .task(let task) = CallbackBody.classify(Data(body.utf8)) else {
            throw CocoaError(.coderInvalidValue)
        }
        return task
    }

    @Test("show prints the request, the estimated time, the verification and the API checks")
    func showReport() throws {
        let ledger = try Ledger.open(path: folder.path + "/ledger.sqlite")
        _ = try ledger.record(.submitted(SubmittedTask(answer: try task(.pending, estimatedTime: 165), requestJSON: #"{"prompt":"p"}"#)))
        _ = try ledger.record(.event(TaskEvent(task: try task(.completed), peer: "203.0.113.7:40000", trust: .needsVerification)))
        try ledger.recordVerification(VerificationVerdict(taskID: TaskID(Self.id)!, verification: .contradicted,
                                                          note: "the video API says the task failed"))
        let text = TaskDetailReport.render(try #require(try ledger.task(id: TaskID(Self.id)!)))
        #expect(text.contains(#"request     {"prompt":"p"}"#))
        #expect(text.contains("estimated   165 s"))
        #expect(text.contains("verified    contradicted: the video API says the task failed"))
    }

    @Test("show prints an upload under way: its object, parts, bytes, refusals and last error, escaped")
    func showUploadInProgress() throws {
        let ledger = try Ledger.open(path: folder.path + "/ledger.sqlite")
        _ = try ledger.record(.event(TaskEvent(task: try task(.completed), peer: "203.0.113.7:40000")))
        let key = "archive/2025/10/24/\(Self.id).mp4"
        _ = try ledger.beginObjectUpload(taskID: Self.id, bucket: "videos", key: key, uploadID: "u-1",
                                         partSize: 5_242_880, bytesTotal: 20_971_520)
        for number in 1...2 {
            try ledger.recordObjectUploadPart(taskID: Self.id, uploadID: "u-1", part: ObjectUploadPart(
                number: number, bytes: 5_242_880, etag: "\"p\(number)\"",
                checksumSHA256: Data(count: 32).base64EncodedString()))
        }
        let next = Date(timeIntervalSince1970: 1_800_000_000)
        try ledger.scheduleObjectUploadRetry(taskID: Self.id, reason: "InvalidAccessKeyId:\u{1B}[2J the key\nis unknown",
                                             nextAttemptAt: next)
        let text = TaskDetailReport.render(try #require(try ledger.task(id: TaskID(Self.id)!)))
        let section = try #require(text.components(separatedBy: "\nobject upload\n").last)
        #expect(section.hasPrefix("  object      s3://videos/\(key)\n  state       uploading\n"))
        #expect(section.contains("  upload id   u-1\n  parts       2 recorded, part size 5242880\n"))
        #expect(section.contains("  uploaded    10485760 of 20971520 (50 %)\n"))
        #expect(section.contains("  attempts    1 refused, next at \(UTCTime.format(next)) UTC\n"))
        #expect(section.contains(#"  last error  InvalidAccessKeyId:\u{1b}[2J the key\nis unknown"#))
        #expect(!section.contains("etag"), "no ETag before HeadObject")
        #expect(!text.contains("object etag"), "the job names no object yet")
    }

    @Test("show lists each download attempt that ended, with its reason escaped")
    func showAttempts() throws {
        let ledger = try Ledger.open(path: folder.path + "/ledger.sqlite")
        _ = try ledger.record(.event(TaskEvent(task: try task(.completed), peer: "203.0.113.7:40000")))
        #expect(!TaskDetailReport.render(try #require(try ledger.task(id: TaskID(Self.id)!))).contains("download attempts"))
        _ = try ledger.claimNextDownload(now: Date().addingTimeInterval(86_400 * 400))
        try ledger.scheduleDownloadRetry(taskID: Self.id, reason: "reset\u{1B}[2J", nextAttemptAt: Date())
        let text = TaskDetailReport.render(try #require(try ledger.task(id: TaskID(Self.id)!)))
        let section = try #require(text.components(separatedBy: "\ndownload attempts (1)\n").last)
        #expect(section.contains("retry"))
        #expect(section.contains(#"reset\u{1b}[2J"#))
    }

    @Test("show names a single PutObject, and prints no upload section without one")
    func showSinglePutAndNone() throws {
        let ledger = try Ledger.open(path: folder.path + "/ledger.sqlite")
        _ = try ledger.record(.event(TaskEvent(task: try task(.completed), peer: "203.0.113.7:40000")))
        #expect(!TaskDetailReport.render(try #require(try ledger.task(id: TaskID(Self.id)!))).contains("object upload"))
        _ = try ledger.beginObjectUpload(taskID: Self.id, bucket: "videos", key: "k.mp4", uploadID: nil, partSize: 5_242_880)
        let text = TaskDetailReport.render(try #require(try ledger.task(id: TaskID(Self.id)!)))
        #expect(text.contains("  upload id   none (a single PutObject)\n"))
        #expect(!text.contains("  parts "))
    }

    @Test("tasks prints one aligned line per task under its header and a count, and says so when there are none")
    func taskTable() throws {
        let ledger = try Ledger.open(path: folder.path + "/ledger.sqlite")
        #expect(TaskTable.render(try ledger.tasks()) == "no tasks yet")
        #expect(TaskTable.render(try ledger.tasks(status: .failed), status: .failed) == "no tasks with status failed")
        _ = try ledger.record(.event(TaskEvent(task: try task(.completed), peer: "203.0.113.7:40000")))
        let lines = TaskTable.render(try ledger.tasks()).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("ID"))
        #expect(lines[2] == "1 task")
        #expect(lines[1].hasPrefix(Self.id) && lines[1].contains("completed"))
        // Aligned: the STATUS column starts at the same place on both lines.
        #expect(lines[0].range(of: "STATUS")?.lowerBound.utf16Offset(in: lines[0])
            == lines[1].range(of: "completed")?.lowerBound.utf16Offset(in: lines[1]))
    }

    @Test("text from outside cannot move the cursor or break a line on the terminal")
    func terminalEscapes() {
        #expect(TerminalText.escape("a\u{1B}[2Jb") == "a\\u{1b}[2Jb")
        #expect(TerminalText.escape("one\ntwo") == "one\\ntwo")
        #expect(TerminalText.escape("\u{9B}31m") == "\\u{9b}31m")
        #expect(TerminalText.escape("plain é ✓") == "plain é ✓")
    }

    @Test("instances prints each instance, its heartbeat's age, its state and what it holds, escaped; on SQLite too")
    func instancesTable() throws {
        #expect(InstanceTable.render([]).hasPrefix("no instances yet"))
        let ledger = try Ledger.open(path: folder.path + "/ledger.sqlite")
        _ = try ledger.record(.event(TaskEvent(task: try task(.completed), peer: "203.0.113.7:40000")))
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        try ledger.registerInstance(host: "host-a\u{1B}[2J", pid: 4242, version: Ledger.schemaVersion, now: t0)
        _ = try #require(try ledger.claimNextDownload(now: Date()))
        _ = try ledger.takeLease("reconciler", now: t0)
        let alive = InstanceTable.render(try ledger.instances(now: t0.addingTimeInterval(12)))
        let row = try #require(alive.split(separator: "\n").first { $0.hasPrefix(ledger.instanceID) }, "\(alive)")
        #expect(row.contains("host-a\\u{1b}[2J") && row.contains("4242") && row.contains("12s ago") && row.contains(" alive "))
        #expect(row.contains("1 download (\(Self.id)); reconciler"), "\(row)")
        #expect(alive.hasSuffix("1 instance: 1 alive"))
        let lapsed = InstanceTable.render(try ledger.instances(now: t0.addingTimeInterval(3725)))
        #expect(lapsed.contains("1h02m ago") && lapsed.contains(" lapsed ") && lapsed.contains("1 lapsed"), "\(lapsed)")
        try ledger.releaseInstance(now: t0.addingTimeInterval(20))
        let stopped = InstanceTable.render(try ledger.instances(now: t0.addingTimeInterval(30)))
        #expect(stopped.contains(" stopped ") && stopped.split(separator: "\n")[1].hasSuffix("-"), "\(stopped)")
        #expect(InstanceTable.age(3 * 86_400 + 4 * 3600 + 59) == "3d04h")
    }
}
