import Foundation
import Outbox
import Testing
@testable import Ledger
import TestSupport
import VideoAPI

@Suite("The archive's reads: the task list with filters and cursor, a task's whole story")
struct TaskListTests {
    /// A task seen first at `seen` (unix seconds), created at `created`.
    private func seen(_ ledger: Ledger, _ id: String, status: TaskStatus = .pending, at seen: Double,
                      created: Int = 1_761_313_744, extra: [String: Any] = [:]) throws {
        let results = status == .completed ? ["https://media.example.com/videos/\(id).mp4?sig=abc"] : nil
        let body = TaskBody.json(id: id, status: status.rawValue, results: results, created: created, extra: extra)
        guard case .task(let task) = CallbackBody.classify(body) else { throw TaskBody.BodyError.notATask }
        _ = try ledger.record(.event(TaskEvent(task: task, peer: "203.0.113.9:41000",
                                               receivedAt: Date(timeIntervalSince1970: seen))))
    }

    private func submitted(_ ledger: Ledger, _ id: String, prompt: String, duration: Int = 8, at seen: Double) throws {
        let answer = try TaskBody.task(id: id, status: .pending)
        let request = try String(decoding: JSONSerialization.data(withJSONObject: ["prompt": prompt, "duration": duration,
                                                                                  "model": "seedance-1.5-pro"]),
                                 as: UTF8.self)
        _ = try ledger.record(.submitted(SubmittedTask(answer: answer, requestJSON: request,
                                                       submittedAt: Date(timeIntervalSince1970: seen))))
    }

    @Test("newest first; pages by cursor cover every task once, even with tasks arriving between pages")
    func cursorPagingIsStable() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        for index in 0..<7 {
            try seen(ledger, "task-\(index)", at: 1_700_000_000 + Double(index))
        }
        // Two tasks first seen at the same instant: the id breaks the tie.
        try seen(ledger, "task-tie-a", at: 1_700_000_003.5)
        try seen(ledger, "task-tie-b", at: 1_700_000_003.5)
        var page = try ledger.taskList(TaskListQuery(limit: 4))
        #expect(page.tasks.map(\.id) == ["task-6", "task-5", "task-4", "task-tie-b"])
        var listed = page.tasks.map(\.id)
        try seen(ledger, "task-new", at: 1_700_000_100)  // arrives while the client pages
        while let next = page.next {
            page = try ledger.taskList(TaskListQuery(limit: 4, after: next))
            listed += page.tasks.map(\.id)
        }
        #expect(listed == ["task-6", "task-5", "task-4", "task-tie-b", "task-tie-a", "task-3", "task-2", "task-1", "task-0"])
        #expect(try ledger.taskList(TaskListQuery(limit: 1)).tasks.map(\.id) == ["task-new"])
    }

    @Test("the last page has no cursor; a limit above the most is held to it")
    func lastPageAndLimit() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        for index in 0..<3 { try seen(ledger, "t\(index)", at: 1_700_000_000 + Double(index)) }
        #expect(try ledger.taskList(TaskListQuery(limit: 3)).next == nil)
        #expect(try ledger.taskList(TaskListQuery(limit: 2)).next != nil)
        #expect(try ledger.taskList(TaskListQuery(limit: 10_000)).tasks.count == 3)
    }

    @Test("filters: status, the day of creation in UTC, an id prefix, a piece of a prompt submitted here")
    func filters() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        // 2025-10-24 13:49:04 UTC and 2025-10-25 00:00:00 UTC.
        try seen(ledger, "task-unified-1_a", status: .processing, at: 1_700_000_000, created: 1_761_313_744)
        try seen(ledger, "task-unified-1xa", status: .failed, at: 1_700_000_001, created: 1_761_350_400)
        try seen(ledger, "elsewhere", at: 1_700_000_002, extra: ["prompt": "A red Fox"])
        try submitted(ledger, "mine", prompt: "A red FOX runs <script>alert(1)</script>", at: 1_700_000_003)
        func ids(_ query: TaskListQuery) throws -> [String] { try ledger.taskList(query).tasks.map(\.id) }
        #expect(try ids(TaskListQuery(status: .failed)) == ["task-unified-1xa"])
        #expect(try ids(TaskListQuery(day: UTCDay("2025-10-24"))) == ["mine", "elsewhere", "task-unified-1_a"])
        #expect(try ids(TaskListQuery(day: UTCDay("2025-10-25"))) == ["task-unified-1xa"])
        #expect(try ids(TaskListQuery(day: UTCDay("2025-10-23"))).isEmpty)
        #expect(try ids(TaskListQuery(search: "task-unified-1_")) == ["task-unified-1_a"], "_ is literal, not a wildcard")
        #expect(try ids(TaskListQuery(search: "task-unified-1")) == ["task-unified-1xa", "task-unified-1_a"])
        #expect(try ids(TaskListQuery(search: "red fox")) == ["mine"], "a prompt of a task submitted here, any case")
        #expect(try ids(TaskListQuery(search: "<script>")) == ["mine"])
        #expect(try ids(TaskListQuery(search: "seedance")).isEmpty, "the request's other fields are not searched")
        #expect(try ids(TaskListQuery(status: .pending, search: "mi")) == ["mine"])
    }

    @Test("each task says its prompt (submitted here only), the video's length, and its download's progress")
    func itemFields() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        try submitted(ledger, "mine", prompt: "a cat", duration: 8, at: 1_700_000_000)
        try seen(ledger, "told", status: .completed, at: 1_700_000_001, extra: ["task_info": ["video_duration": 5.04]])
        let tasks = try ledger.taskList(TaskListQuery()).tasks
        let told = try #require(tasks.first { $0.id == "told" })
        let mine = try #require(tasks.first { $0.id == "mine" })
        #expect(mine.prompt == "a cat" && mine.submittedByUs)
        #expect(mine.videoDuration == 8, "the duration asked for, until the API says")
        #expect(mine.download == nil)
        #expect(told.prompt == nil)
        #expect(told.videoDuration == 5.04)
        #expect(told.download?.state == .queued)
        _ = try ledger.claimNextDownload()
        try ledger.recordDownloadResponse(taskID: "told", facts: DownloadResponseFacts(bytesTotal: 1000, etag: nil, lastModified: nil,
                                                                                      contentType: "video/mp4"),
                                          bytesDone: 0)
        try ledger.recordDownloadProgress(taskID: "told", bytesDone: 250)
        let progress = try #require(try ledger.downloadProgress(taskID: TaskID("told")!))
        #expect(progress.state == .running && progress.bytesDone == 250 && progress.bytesTotal == 1000)
        #expect(try ledger.taskList(TaskListQuery()).tasks.first { $0.id == "told" }?.download == progress)
        #expect(try ledger.downloadProgress(taskID: TaskID("mine")!) == nil)
    }

    @Test("a task's story: events with duplicates and peers, every download attempt with its reason, notifications")
    func story() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        try ledger.setNotificationTargets([NotificationTarget(key: "webhook https://app.test/hooks",
                                                              events: Set(NotificationEventType.allCases))])
        try seen(ledger, "t1", status: .processing, at: 1_700_000_000)
        try seen(ledger, "t1", status: .completed, at: 1_700_000_010)
        try seen(ledger, "t1", status: .completed, at: 1_700_000_011)
        _ = try ledger.claimNextDownload()
        try ledger.scheduleDownloadRetry(taskID: "t1", reason: "connection reset", nextAttemptAt: Date(timeIntervalSince1970: 0))
        _ = try ledger.claimNextDownload()
        try ledger.markDownloadFailed(taskID: "t1", reason: "HTTP 410 from the CDN")
        guard case .requeued = try ledger.retryDownload(taskID: TaskID("t1")!) else {
            Issue.record("the failed job was not requeued")
            return
        }
        _ = try ledger.claimNextDownload()
        try ledger.markDownloadDone(taskID: "t1", archivePath: "/archive/2025/10/24/t1.mp4", sha256: String(repeating: "a", count: 64),
                                    bytes: 1234)
        let story = try #require(try ledger.task(id: TaskID("t1")!))
        #expect(story.events.map(\.status) == [.processing, .completed])
        #expect(story.events.last?.duplicateCount == 1)
        #expect(story.events.last?.peer == "203.0.113.9:41000")
        #expect(story.downloadAttempts.map(\.outcome) == [.retry, .failed, .done])
        #expect(story.downloadAttempts.map(\.attempt) == [1, 2, 1], "retry starts the count over")
        #expect(story.downloadAttempts.map(\.reason) == ["connection reset", "HTTP 410 from the CDN", nil])
        #expect(story.downloadAttempts.last?.bytesDone == 1234)
        #expect(story.notifications.map(\.type) == [.taskCompleted, .downloadFailed, .videoArchived])
        #expect(story.notifications.allSatisfy { $0.deliveries.map(\.target) == ["webhook https://app.test/hooks"] })
    }

    @Test("a cursor's token round-trips bit for bit; anything else is refused")
    func cursorTokens() {
        let cursor = TaskListCursor(firstSeen: 1_700_000_000.123456789, id: "task-unified-1_a")
        #expect(TaskListCursor(token: cursor.token) == cursor)
        #expect(cursor.token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        for bad in ["", "x", "djE6", cursor.token + "!", String(repeating: "A", count: 400),
                    Data("v1:zz:id".utf8).base64EncodedString(), Data("v1:0:../etc".utf8).base64EncodedString(),
                    Data("v2:0:id".utf8).base64EncodedString()] {
            #expect(TaskListCursor(token: bad) == nil, "\(bad)")
        }
    }

    @Test("a day is YYYY-MM-DD naming a real day", arguments: [
        ("2025-10-24", true), ("2024-02-29", true), ("2025-02-29", false), ("2025-13-01", false), ("2025-1-01", false),
        ("1969-12-31", true), ("0000-01-01", false), ("2025-10-24T00:00", false), ("２０２５-10-24", false), ("", false),
    ])
    func days(text: String, valid: Bool) {
        #expect((UTCDay(text) != nil) == valid)
    }

    @Test("a day runs from its midnight UTC for 86400 seconds")
    func dayBounds() throws {
        let day = try #require(UTCDay("2025-10-24"))
        #expect(day.start == 1_761_264_000)
        #expect(day.end == 1_761_350_400)
        #expect(day.description == "2025-10-24")
    }
}
