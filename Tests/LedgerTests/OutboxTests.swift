import Foundation
import Outbox
import Synchronization
import Testing
@testable import Ledger
import TestSupport
import VideoAPI

@Suite("The outbox: events committed with their change, one delivery per target")
struct OutboxTests {
    let directory = TemporaryDirectory()

    func ledger(targets: [NotificationTarget] = [
        NotificationTarget(key: "webhook https://app.test/hooks", events: Set(NotificationEventType.allCases)),
        NotificationTarget(key: "command /usr/local/bin/on-video", events: [.videoArchived]),
    ]) throws -> Ledger {
        let ledger = try directory.openLedger()
        try ledger.setNotificationTargets(targets)
        return ledger
    }

    func body(_ id: String) throws -> [String: Any] {
        let detail = try #require(try ledger(targets: []).notificationEvents().first { $0.taskID == id })
        let full = try #require(try ledger(targets: []).notificationEvent(id: detail.id))
        return try #require(try JSONSerialization.jsonObject(with: Data(full.body)) as? [String: Any])
    }

    @Test("a completed callback queues task.completed, for the targets that take it, once however often it comes")
    func completedOnce() throws {
        let ledger = try ledger()
        let woken = Atomic<Int>(0)
        ledger.onNotificationsCommitted { woken.add(1, ordering: .relaxed) }
        _ = try ledger.record(try TaskBody.event(id: "t1", status: .completed))
        _ = try ledger.record(try TaskBody.event(id: "t1", status: .completed))
        let events = try ledger.notificationEvents()
        #expect(events.map(\.type) == [.taskCompleted])
        #expect(events[0].deliveries.map(\.target) == ["webhook https://app.test/hooks"])
        #expect(events[0].status == .pending)
        #expect(NotificationEventID.isWellFormed(events[0].id))
        #expect(woken.load(ordering: .relaxed) == 1)
        let body = try self.body("t1")
        #expect(body["type"] as? String == "task.completed")
        let data = try #require(body["data"] as? [String: Any])
        #expect(data["task_id"] as? String == "t1" && data["status"] as? String == "completed")
        #expect((data["task"] as? [String: Any])?["id"] as? String == "t1")
        #expect((body["timestamp"] as? String)?.hasSuffix("Z") == true)
    }

    @Test("a task submitted here: its task.completed carries the request sent and the completed body; task.failed too")
    func submittedRequestInBody() throws {
        let ledger = try ledger()
        for (id, status) in [("s1", TaskStatus.completed), ("s2", .failed)] {
            let answer = try TaskBody.task(id: id, status: .pending)
            _ = try ledger.record(.submitted(SubmittedTask(answer: answer, requestJSON: #"{"prompt":"a cat, \#(id)"}"#)))
            _ = try ledger.record(try TaskBody.event(id: id, status: status))
            let data = try #require(try body(id)["data"] as? [String: Any])
            #expect(data["status"] as? String == status.rawValue)
            #expect((data["task"] as? [String: Any])?["status"] as? String == status.rawValue,
                    "the body of the state that ended it")
            #expect((data["submitted_request"] as? [String: Any])?["prompt"] as? String == "a cat, \(id)")
        }
        // A task the daemon did not submit says nothing of a request.
        _ = try ledger.record(try TaskBody.event(id: "o1", status: .completed))
        #expect((try body("o1")["data"] as? [String: Any])?["submitted_request"] == nil)
    }

    @Test("with no target the event is still kept, and the notifier is not woken; a target set later wakes it again")
    func quietWithoutTargets() throws {
        let ledger = try ledger(targets: [])
        let woken = Atomic<Int>(0)
        ledger.onNotificationsCommitted { woken.add(1, ordering: .relaxed) }
        _ = try ledger.record(try TaskBody.event(id: "q1", status: .completed))
        #expect(try ledger.notificationEvents().map(\.type) == [.taskCompleted])
        #expect(woken.load(ordering: .relaxed) == 0)
        try ledger.setNotificationTargets([NotificationTarget(key: "webhook https://app.test/hooks",
                                                              events: Set(NotificationEventType.allCases))])
        _ = try ledger.record(try TaskBody.event(id: "q2", status: .completed))
        #expect(woken.load(ordering: .relaxed) == 1)
    }

    @Test("a failed task gets task.failed with the API's error; a later state does not make another")
    func failedWithError() throws {
        let ledger = try ledger()
        let failed = TaskBody.json(id: "t2", status: "failed",
                                   extra: ["error": ["code": "content_policy_violation", "message": "no"]])
        guard case .task(let task) = CallbackBody.classify(failed) else { throw TaskBody.BodyError.notATask }
        _ = try ledger.record(.event(TaskEvent(task: task, peer: "p")))
        _ = try ledger.record(try TaskBody.event(id: "t2", status: .cancelled))
        #expect(try ledger.notificationEvents().map(\.type) == [.taskFailed])
        let error = try #require((try body("t2")["data"] as? [String: Any])?["error"] as? [String: Any])
        #expect(error["code"] as? String == "content_policy_violation" && error["message"] as? String == "no")
    }

    @Test("done and failed downloads commit video.archived and download.failed with their facts")
    func downloadEvents() throws {
        let ledger = try ledger()
        _ = try ledger.record(try TaskBody.event(id: "t3", status: .completed))
        try ledger.markDownloadDone(taskID: "t3", archivePath: "/a/2025/10/24/t3.mp4", sha256: "ab", bytes: 42,
                                    sidecarPath: "/a/2025/10/24/t3.json")
        let archived = try #require(try ledger.notificationEvents().first)
        #expect(archived.type == .videoArchived)
        #expect(archived.deliveries.map(\.target).sorted() == ["command /usr/local/bin/on-video", "webhook https://app.test/hooks"])
        let full = try #require(try ledger.notificationEvent(id: archived.id))
        let data = try #require((try JSONSerialization.jsonObject(with: Data(full.body)) as? [String: Any])?["data"] as? [String: Any])
        #expect((data["archive"] as? [String: Any])?["path"] as? String == "/a/2025/10/24/t3.mp4")
        #expect(data["bytes"] as? Int == 42 && data["sha256"] as? String == "ab")
        #expect(data["source_url"] as? String == "https://media.example.com/videos/t3.mp4")
        #expect(data["sidecar"] as? String == "/a/2025/10/24/t3.json")

        _ = try ledger.record(try TaskBody.event(id: "t4", status: .completed))
        try ledger.markDownloadFailed(taskID: "t4", reason: "HTTP 404")
        let failed = try #require(try ledger.notificationEvents(taskID: "t4").first)
        #expect(failed.type == .downloadFailed)
        let failedBody = try #require(try ledger.notificationEvent(id: failed.id))
        #expect(String(decoding: failedBody.body, as: UTF8.self).contains(#""reason":"HTTP 404","attempts":0"#))
    }

    @Test("an event and its change commit together: a refused change leaves no event behind")
    func atomic() throws {
        let ledger = try ledger()
        #expect(throws: LedgerError.self) {
            try ledger.markDownloadDone(taskID: "no-such-task", archivePath: "/x", sha256: "0", bytes: 1)
        }
        #expect(try ledger.notificationEvents().isEmpty)
    }

    @Test("claim, retry, deliver: attempts are counted and kept; a target that left is not claimed")
    func deliveryLifecycle() throws {
        let ledger = try ledger()
        _ = try ledger.record(try TaskBody.event(id: "t5", status: .completed))
        let now = Date()
        let first = try #require(try ledger.claimNextDelivery(now: now))
        #expect(first.attempt == 1 && first.type == .taskCompleted && first.taskID == "t5")
        #expect(try ledger.claimNextDelivery(now: now) == nil, "a running delivery is not claimed twice")
        try ledger.recordDeliveryAttempt(first, DeliveryAttempt(outcome: .retry(at: now.addingTimeInterval(60)),
                                                                startedAt: now, durationMilliseconds: 3, httpStatus: 500,
                                                                error: "HTTP 500"), now: now)
        #expect(try ledger.claimNextDelivery(now: now) == nil, "not due before its retry time")
        #expect(try ledger.nextDeliveryDue().map { abs($0.timeIntervalSince(now) - 60) < 1 } == true)
        let second = try #require(try ledger.claimNextDelivery(now: now.addingTimeInterval(61)))
        #expect(second.attempt == 2 && second.eventID == first.eventID && second.body == first.body)
        try ledger.recordDeliveryAttempt(second, DeliveryAttempt(outcome: .delivered, startedAt: now,
                                                                 durationMilliseconds: 2, httpStatus: 204))
        let detail = try #require(try ledger.notificationEvent(id: first.eventID))
        #expect(detail.event.status == .delivered)
        #expect(detail.attempts.map(\.outcome) == ["retry", "delivered"])
        #expect(detail.attempts.map(\.httpStatus) == [500, 204])

        _ = try ledger.record(try TaskBody.event(id: "t6", status: .completed))
        try ledger.setNotificationTargets([])
        #expect(try ledger.claimNextDelivery(now: now.addingTimeInterval(100)) == nil)
        #expect(try ledger.notificationEvents(taskID: "t6").first?.status == .pending)
    }

    @Test("replay queues an event again with the same id, and reaches a target added since")
    func replay() throws {
        let ledger = try ledger(targets: [NotificationTarget(key: "webhook A", events: [.taskCompleted])])
        _ = try ledger.record(try TaskBody.event(id: "t7", status: .completed))
        let claim = try #require(try ledger.claimNextDelivery())
        try ledger.recordDeliveryAttempt(claim, DeliveryAttempt(outcome: .failed, startedAt: Date(), durationMilliseconds: 1))
        #expect(try ledger.notificationEvents(status: .failed).map(\.id) == [claim.eventID])
        try ledger.setNotificationTargets([NotificationTarget(key: "webhook A", events: [.taskCompleted]),
                                           NotificationTarget(key: "webhook B", events: [.taskCompleted])])
        #expect(try ledger.replayNotifications(.event(claim.eventID)) == 2)
        let again = try #require(try ledger.claimNextDelivery())
        #expect(again.eventID == claim.eventID && again.attempt == 1)
        #expect(try ledger.replayNotifications(.failed) == 0)
        #expect(try ledger.replayNotifications(.task("t7")) >= 1)
    }

    @Test("deliveries left running by a crash go back to pending at start")
    func requeueRunning() throws {
        let ledger = try ledger()
        _ = try ledger.record(try TaskBody.event(id: "t8", status: .completed))
        _ = try #require(try ledger.claimNextDelivery())
        #expect(try ledger.requeueRunningDeliveries() == 1)
        #expect(try ledger.claimNextDelivery()?.attempt == 1)
        #expect(try ledger.deliveryStatistics().oldestPending != nil)
    }
}
