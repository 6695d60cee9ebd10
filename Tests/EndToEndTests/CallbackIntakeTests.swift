import Foundation
import GRDB
import Ledger
import TestSupport
import Testing
import VideoAPI

/// The callback intake through the real `videohookd serve` process, over real TLS.
@Suite("Callback intake, end to end", .serialized)
struct CallbackIntakeTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("LedgerTests/Fixtures")

    static func fixture(_ name: String) throws -> String {
        try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
    }

    static func completedBody(_ id: String) -> String {
        #"{"id":"\#(id)","object":"video.generation.task","model":"seedance-1.5-pro","created":1761313744,"status":"completed","progress":100,"results":["https://media.example.com/v/\#(id).mp4"],"type":"video"}"#
    }

    @Test("each example body leads to the right state, and tasks/show read it while serve runs")
    func examplesLeadToTheirStates() throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let client = try daemon.connect()
        for name in ["processing.json", "completed.json", "failed.json", "cancelled.json", "completed-extra-fields.json"] {
            let response = try client.post(daemon.callbackPath, body: try Self.fixture(name))
            #expect(response.status == 200, "\(name): \(response.text)")
        }
        let ledger = try Ledger.openForReading(path: daemon.ledgerFile)
        let completed = try #require(try ledger.task(id: TaskID("task-unified-1761313744-vux2jw0k")!))
        #expect(completed.task.status == .completed)
        #expect(completed.events.count == 2)
        #expect(completed.downloadJob?.sourceURL == "https://media.example.com/videos/task-unified-1761313744-vux2jw0k.mp4")
        let failed = try #require(try ledger.task(id: TaskID("task-unified-1761313800-a8k2pq1z")!))
        #expect(failed.task.status == .failed)
        #expect(failed.task.errorCode == "content_policy_violation")
        #expect(failed.downloadJob == nil)
        let cancelled = try #require(try ledger.task(id: TaskID("task-unified-1761313900-c0ffee12")!))
        #expect(cancelled.task.status == .cancelled)
        let extra = try #require(try ledger.task(id: TaskID("task-unified-1761314000-zz99yy88")!))
        #expect(extra.task.status == .completed)
        #expect(extra.task.results.count == 2)
        #expect(extra.downloadJob != nil)

        let table = try daemon.command(["tasks"])
        #expect(table.status == 0)
        #expect(table.output.contains("task-unified-1761313744-vux2jw0k"))
        #expect(table.output.contains("cancelled"))
        let failedOnly = try daemon.command(["tasks", "--status", "failed", "--json"])
        #expect(failedOnly.status == 0)
        #expect(failedOnly.output.contains("a8k2pq1z") && !failedOnly.output.contains("vux2jw0k"))
        let shown = try daemon.command(["show", "task-unified-1761313744-vux2jw0k"])
        #expect(shown.status == 0)
        #expect(shown.output.contains("processing") && shown.output.contains("completed"))
        // The downloader takes the job at once; media.example.com does not resolve here.
        #expect(shown.output.contains("download job\n  state"))
    }

    @Test("duplicate storm: 50 tasks, each completed 4 times at once on separate connections")
    func duplicateStorm() throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let ids = (0..<50).map { String(format: "task-unified-1761313744-st%06d", $0) }
        let answers = AnswerLog()
        DispatchQueue.concurrentPerform(iterations: 200) { index in
            let id = ids[index % 50]
            do {
                let client = try daemon.connect()
                answers.add(id, try client.post(daemon.callbackPath, body: Self.completedBody(id)).status)
            } catch {
                answers.add(id, -1)
            }
        }
        #expect(answers.statuses.count == 200)
        #expect(answers.statuses.allSatisfy { (200..<300).contains($0) }, "\(answers.statuses.filter { $0 != 200 })")
        let counts = try Ledger.openForReading(path: daemon.ledgerFile).counts()
        #expect(counts.tasks == 50)
        #expect(counts.events == 50)
        #expect(counts.duplicates == 150)
        #expect(counts.downloadJobs == 50)
        let duplicateLines = daemon.logLines().filter { $0.contains("event=callback.duplicate") }
        #expect(duplicateLines.count == 150)
    }

    @Test("processing after completed leaves the task completed, and is kept as an event")
    func olderEventDoesNotGoBack() throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let client = try daemon.connect()
        #expect(try client.post(daemon.callbackPath, body: try Self.fixture("completed.json")).status == 200)
        let late = try client.post(daemon.callbackPath, body: try Self.fixture("processing.json"))
        #expect(late.status == 200)
        #expect(late.text.contains(#""status":"completed""#))
        let detail = try #require(try Ledger.openForReading(path: daemon.ledgerFile)
            .task(id: TaskID("task-unified-1761313744-vux2jw0k")!))
        #expect(detail.task.status == .completed)
        #expect(detail.events.count == 2)
        #expect(try Ledger.openForReading(path: daemon.ledgerFile).counts().downloadJobs == 1)
    }

    @Test("bad bodies get their status, a rejected row or a warning, and change nothing else")
    func badBodies() throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let cases: [(body: String, status: Int, param: String?)] = [
            (#"{"id": "task-1", "status": "comp"#, 400, "body"),
            (#"[{"id":"task-unified-1-aaaaaaaa","status":"completed"}]"#, 400, "body"),
            (#"{"id":"task/../../etc","status":"completed","results":["https://a.example/x.mp4"]}"#, 400, "id"),
            (#"{"id":"..","status":"failed"}"#, 400, "id"),
        ]
        for item in cases {
            let client = try daemon.connect()
            let response = try client.post(daemon.callbackPath, body: item.body)
            #expect(response.status == item.status, "\(item.body): \(response.text)")
            if let param = item.param { #expect(response.text.contains(#""param":"\#(param)""#), "\(response.text)") }
        }
        let client = try daemon.connect()
        let unknown = try client.post(daemon.callbackPath, body: #"{"id":"task-unified-1761313744-abcdefgh","status":42}"#)
        #expect(unknown.status == 202)

        let big = try daemon.connect()
        let twoMegabytes = #"{"id":"task-unified-1761313744-bigbigbi","pad":""# + String(repeating: "x", count: 2 << 20) + #""}"#
        let refused = try big.post(daemon.callbackPath, body: twoMegabytes)
        #expect(refused.status == 413)

        let ledger = try Ledger.openForReading(path: daemon.ledgerFile)
        // A refusal by the HTTP layer (413) is kept after its answer went out: wait for it.
        var counts = try ledger.counts()
        for _ in 0..<40 where counts.rejectedBodies < 5 {
            Thread.sleep(forTimeInterval: 0.05)
            counts = try ledger.counts()
        }
        #expect(counts.tasks == 0)
        #expect(counts.events == 0)
        #expect(counts.rejectedBodies == 5)
        #expect(counts.unrecognizedCallbacks == 1)
        let rejected = try ledger.rejectedBodies()
        #expect(rejected.contains { $0.statusCode == 413 })
        #expect(rejected.allSatisfy { !($0.path ?? "").contains(daemon.token) })
        #expect(daemon.logLines().contains { $0.contains("event=callback.unrecognized") && $0.contains("level=warning") })
    }

    @Test("SIGKILL mid-stream: every callback answered 2xx is in the ledger after a restart")
    func crashLosesNothingAnswered() throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let answered = AnswerLog()
        let stop = Flag()
        let group = DispatchGroup()
        for worker in 0..<4 {
            DispatchQueue.global().async(group: group) {
                var sequence = 0
                while !stop.isSet {
                    guard let client = try? daemon.connect() else { return }
                    while !stop.isSet {
                        let id = String(format: "task-unified-1761313744-k%d%06d", worker, sequence)
                        sequence += 1
                        guard let response = try? client.post(daemon.callbackPath, body: Self.completedBody(id)) else { break }
                        if (200..<300).contains(response.status) { answered.add(id, response.status) }
                    }
                }
            }
        }
        Thread.sleep(forTimeInterval: 1.5)
        daemon.stop(signal: SIGKILL)
        stop.set()
        group.wait()
        let acknowledged = answered.ids
        #expect(acknowledged.count > 20, "the client got too few answers to make the test meaningful")

        let restarted = try DaemonProcess(reuse: daemon.directory)
        try restarted.start()
        defer { restarted.stop() }
        let ledger = try Ledger.openForReading(path: restarted.ledgerFile)
        var missing: [String] = []
        for id in acknowledged where try ledger.task(id: TaskID(id)!) == nil { missing.append(id) }
        #expect(missing.isEmpty, "answered but lost: \(missing.prefix(5))")
        let pool = try DatabaseQueue(path: restarted.ledgerFile)
        let integrity = try pool.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") }
        #expect(integrity == "ok")
    }

    @Test("the log: a line per event, control characters escaped, no token, reopened after SIGHUP")
    func logFile() throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let client = try daemon.connect()
        #expect(try client.post(daemon.callbackPath, body: try Self.fixture("completed.json")).status == 200)
        #expect(try client.post(daemon.callbackPath, body: try Self.fixture("completed.json")).status == 200)
        let hostile = #"{"id":"task-unified-1761313744-esc00001","status":"done\u001b[31m\nlevel=error event=forged"}"#
        #expect(try client.post(daemon.callbackPath, body: hostile).status == 202)

        var lines = daemon.logLines()
        #expect(lines.filter { $0.contains("event=callback.accepted") && $0.contains("task_id=task-unified-1761313744-vux2jw0k") }.count == 1)
        let duplicate = try #require(lines.first { $0.contains("event=callback.duplicate") })
        for field in ["ts=", "level=info", "task_id=task-unified-1761313744-vux2jw0k", "status=completed", "duplicate=true", "peer=127.0.0.1:", "ms="] {
            #expect(duplicate.contains(field), "\(field) missing in \(duplicate)")
        }
        let raw = try String(contentsOfFile: daemon.logFile, encoding: .utf8)
        #expect(!raw.contains("\u{1b}"))
        #expect(!lines.contains { $0.hasPrefix("level=error event=forged") })
        // The hostile value is in the line, escaped, and the line is still one line.
        #expect(lines.contains { $0.contains("event=callback.unrecognized") && $0.contains("[31m") && $0.contains("forged") })
        #expect(!raw.contains(daemon.token))

        let rotated = daemon.logFile + ".1"
        try FileManager.default.moveItem(atPath: daemon.logFile, toPath: rotated)
        daemon.signal(SIGHUP)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try client.post(daemon.callbackPath, body: try Self.fixture("failed.json")).status == 200)
        lines = daemon.logLines()
        #expect(lines.contains { $0.contains("task_id=task-unified-1761313800-a8k2pq1z") })
        let old = try String(contentsOfFile: rotated, encoding: .utf8)
        #expect(!old.contains("task-unified-1761313800-a8k2pq1z"))
        #expect(old.contains("task-unified-1761313744-vux2jw0k"))
    }

    @Test("a wrong token is a 404 like any unknown path, and nothing is recorded")
    func wrongToken() throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let client = try daemon.connect()
        var wrong = daemon.token
        wrong.removeLast()
        let response = try client.post("/callbacks/" + wrong + "x", body: try Self.fixture("completed.json"))
        #expect(response.status == 404)
        let unknown = try client.post("/nothing-here", body: "{}")
        #expect(unknown.status == 404)
        #expect(response.text == unknown.text)
        #expect(try Ledger.openForReading(path: daemon.ledgerFile).counts().tasks == 0)
    }
}

final class AnswerLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(String, Int)] = []
    func add(_ id: String, _ status: Int) { lock.lock(); entries.append((id, status)); lock.unlock() }
    var statuses: [Int] { lock.lock(); defer { lock.unlock() }; return entries.map(\.1) }
    var ids: [String] { lock.lock(); defer { lock.unlock() }; return entries.map(\.0) }
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}
