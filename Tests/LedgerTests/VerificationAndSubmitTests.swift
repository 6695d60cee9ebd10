import Foundation
import Testing
@testable import Ledger
import TestSupport
import VideoAPI

@Suite("Submitted tasks, trust and verification, unknown tasks")
struct VerificationAndSubmitTests {
    let directory = TemporaryDirectory()

    static let id = "task-unified-1761313744-vux2jw0k"

    func ledger() throws -> Ledger { try directory.openLedger() }

    func task(_ status: TaskStatus, results: [String]? = nil, estimatedTime: Int? = nil) throws -> ValidatedTask {
        var extra: [String: Any] = [:]
        if let estimatedTime { extra["task_info"] = ["estimated_time": estimatedTime, "can_cancel": true] }
        let urls = results ?? (status == .completed ? ["https://media.example.com/v/\(Self.id).mp4?sig=1"] : nil)
        let body = TaskBody.json(id: Self.id, status: status.rawValue, results: urls, extra: extra)
        guard case .task(let task) = CallbackBody.classify(body) else { throw TaskBody.BodyError.notATask }
        return task
    }

    func event(_ task: ValidatedTask, trust: EventTrust = .unverified, unknown: UnknownTaskPolicy = .accept) -> LedgerWrite {
        .event(TaskEvent(task: task, peer: "203.0.113.7:40000", trust: trust, unknownTasks: unknown))
    }

    @Test("A submitted task is recorded as ours, with its request and estimated time, before any callback")
    func submittedRecorded() throws {
        let ledger = try ledger()
        let outcome = try ledger.record(.submitted(SubmittedTask(answer: try task(.pending, estimatedTime: 165),
                                                                 requestJSON: #"{"prompt":"p"}"#)))
        #expect(outcome.event?.submittedByUs == true)
        let detail = try #require(try ledger.task(id: TaskID(Self.id)!))
        #expect(detail.task.submittedByUs)
        #expect(detail.task.requestJSON == #"{"prompt":"p"}"#)
        #expect(detail.task.estimatedTime == 165)
        #expect(detail.task.status == .pending)
        #expect(detail.events.map(\.peer) == ["api (submit)"])
        // The callback that follows is marked as for a task of ours.
        let callback = try ledger.record(event(try task(.completed))).event
        #expect(callback?.submittedByUs == true)
    }

    @Test("In one batch, the submit record and then callbacks for the same task: each callback sees the writes before it")
    func submitThenCallbacksInOneBatch() throws {
        let ledger = try ledger()
        let processing = try task(.processing)
        let results = try ledger.record([
            .submitted(SubmittedTask(answer: try task(.pending, estimatedTime: 120), requestJSON: #"{"prompt":"p"}"#)),
            event(processing), event(processing), event(try task(.completed)),
        ])
        let outcomes = try results.map { try $0.get().event }
        #expect(outcomes[1]?.submittedByUs == true, "the callback sees the row the submit wrote")
        #expect(outcomes[1]?.statusBefore == .pending && outcomes[1]?.advanced == true)
        #expect(outcomes[2]?.isDuplicate == true, "the repeat sees the first")
        #expect(outcomes[3]?.statusBefore == .processing && outcomes[3]?.downloadJobCreated == true)
        let detail = try #require(try ledger.task(id: TaskID(Self.id)!))
        #expect(detail.task.status == .completed)
        #expect(detail.events.count == 3, "pending from the submit, processing once, completed")
        #expect(try ledger.notificationEvents().map(\.type) == [.taskCompleted])
    }

    @Test("A callback that raced ahead of the submit record still leaves the task marked as ours")
    func callbackBeforeSubmitRecord() throws {
        let ledger = try ledger()
        let first = try ledger.record(event(try task(.processing))).event
        #expect(first?.submittedByUs == false)
        _ = try ledger.record(.submitted(SubmittedTask(answer: try task(.pending, estimatedTime: 90), requestJSON: "{}")))
        let detail = try #require(try ledger.task(id: TaskID(Self.id)!))
        #expect(detail.task.submittedByUs)
        #expect(detail.task.status == .processing, "the older pending answer does not move the task back")
        #expect(detail.task.estimatedTime == 90)
    }

    @Test("Without a key a completed callback queues its download and the task is unverified")
    func unverifiedQueuesAtOnce() throws {
        let ledger = try ledger()
        let outcome = try ledger.record(event(try task(.completed), trust: .unverified)).event
        #expect(outcome?.downloadJobCreated == true)
        #expect(outcome?.downloadHeld == false)
        #expect(outcome?.verification == .unverified)
        #expect(try ledger.task(id: TaskID(Self.id)!)?.task.verification == .unverified)
    }

    @Test("With a key a completed callback holds its download until the API is asked; duplicates change nothing")
    func heldForVerification() throws {
        let ledger = try ledger()
        let outcome = try ledger.record(event(try task(.completed), trust: .needsVerification)).event
        #expect(outcome?.downloadJobCreated == false)
        #expect(outcome?.downloadHeld == true)
        #expect(outcome?.verification == .pending)
        let again = try ledger.record(event(try task(.completed), trust: .needsVerification)).event
        #expect(again?.isDuplicate == true && again?.downloadHeld == false)
        let detail = try #require(try ledger.task(id: TaskID(Self.id)!))
        #expect(detail.downloadJob == nil)
        #expect(detail.task.verification == .pending)
        let due = try ledger.tasksToCheck(schedule: TaskCheckSchedule())
        #expect(due.map(\.taskID.rawValue) == [Self.id])
        #expect(due.first?.reason == .verification)
        #expect(due.first?.results == ["https://media.example.com/v/\(Self.id).mp4?sig=1"])
    }

    @Test("A confirmed verification queues the download once, from the API's URL")
    func confirmedVerification() throws {
        let ledger = try ledger()
        _ = try ledger.record(event(try task(.completed), trust: .needsVerification))
        let api = try task(.completed, results: ["https://media.example.com/v/\(Self.id).mp4?sig=fresh"])
        let verdict = VerificationVerdict(taskID: TaskID(Self.id)!, verification: .verified, apiAnswer: api)
        #expect(try ledger.recordVerification(verdict))
        #expect(try ledger.recordVerification(verdict) == false, "a second verdict finds nothing pending")
        let detail = try #require(try ledger.task(id: TaskID(Self.id)!))
        #expect(detail.downloadJob?.sourceURL == "https://media.example.com/v/\(Self.id).mp4?sig=fresh")
        #expect(detail.task.results == ["https://media.example.com/v/\(Self.id).mp4?sig=fresh"])
        #expect(detail.task.verification == .verified)
        #expect(try ledger.tasksToCheck(schedule: TaskCheckSchedule()).isEmpty)
    }

    @Test("A contradicted callback without the API's video queues nothing, and says why")
    func contradictedVerification() throws {
        let ledger = try ledger()
        _ = try ledger.record(event(try task(.completed), trust: .needsVerification))
        let verdict = VerificationVerdict(taskID: TaskID(Self.id)!, verification: .contradicted,
                                          note: "the video API says the task failed")
        #expect(try ledger.recordVerification(verdict) == false)
        let detail = try #require(try ledger.task(id: TaskID(Self.id)!))
        #expect(detail.downloadJob == nil)
        #expect(detail.task.verification == .contradicted)
        #expect(detail.task.verificationNote == "the video API says the task failed")
        #expect(try ledger.tasksToCheck(schedule: TaskCheckSchedule()).isEmpty)
    }

    @Test("The API's own completed answer queues at once and is verified")
    func fromAPIQueues() throws {
        let ledger = try ledger()
        let outcome = try ledger.record(event(try task(.completed), trust: .fromAPI)).event
        #expect(outcome?.downloadJobCreated == true)
        #expect(outcome?.verification == .verified)
    }

    @Test("Unknown tasks refused: the body is kept with 403 and no task is recorded; ours still pass")
    func unknownRefused() throws {
        let ledger = try ledger()
        let outcome = try ledger.record(event(try task(.completed), unknown: .refuse))
        guard case .unknownTaskRefused(let id, _) = outcome else {
            Issue.record("not refused: \(outcome)")
            return
        }
        #expect(id.rawValue == Self.id)
        #expect(try ledger.task(id: TaskID(Self.id)!) == nil)
        let rejected = try ledger.rejectedBodies()
        #expect(rejected.count == 1)
        #expect(rejected.first?.statusCode == 403)
        #expect(rejected.first?.reason.contains("api.accept_unknown_tasks is false") == true)

        _ = try ledger.record(.submitted(SubmittedTask(answer: try task(.pending), requestJSON: "{}")))
        let ours = try ledger.record(event(try task(.completed), unknown: .refuse)).event
        #expect(ours?.advanced == true && ours?.submittedByUs == true)
    }

    @Test("Overdue: a quiet task is due at created + estimated time + grace, not before; backoff then expiry")
    func overdueSchedule() throws {
        let ledger = try ledger()
        _ = try ledger.record(.submitted(SubmittedTask(answer: try task(.pending, estimatedTime: 100), requestJSON: "{}")))
        let created = Date(timeIntervalSince1970: 1_761_313_744)
        let schedule = TaskCheckSchedule(grace: 20, defaultEstimatedTime: 300, linkLifetime: 86_400)
        #expect(try ledger.tasksToCheck(schedule: schedule, now: created.addingTimeInterval(119)).isEmpty)
        let due = try ledger.tasksToCheck(schedule: schedule, now: created.addingTimeInterval(120))
        #expect(due.map(\.reason) == [.overdue])
        #expect(try ledger.nextCheckDue(schedule: schedule) == created.addingTimeInterval(120))

        let id = TaskID(Self.id)!
        try ledger.scheduleCheck(taskID: id, attempts: 1, nextCheckAt: created.addingTimeInterval(500), note: "processing",
                                 now: created.addingTimeInterval(120))
        #expect(try ledger.tasksToCheck(schedule: schedule, now: created.addingTimeInterval(499)).isEmpty)
        #expect(try ledger.tasksToCheck(schedule: schedule, now: created.addingTimeInterval(499), ignoringBackoff: true).count == 1)
        #expect(try ledger.tasksToCheck(schedule: schedule, now: created.addingTimeInterval(500)).first?.attempts == 1)

        #expect(try ledger.endExpiredChecks(schedule: schedule, now: created.addingTimeInterval(86_399)).isEmpty)
        let expired = try ledger.endExpiredChecks(schedule: schedule, now: created.addingTimeInterval(86_400))
        #expect(expired.map(\.taskID) == [id])
        #expect(try ledger.endExpiredChecks(schedule: schedule, now: created.addingTimeInterval(90_000)).isEmpty)
        #expect(try ledger.tasksToCheck(schedule: schedule, now: created.addingTimeInterval(90_000), ignoringBackoff: true).isEmpty)
        #expect(try ledger.task(id: id)?.task.lastCheckNote?.hasPrefix("gave up") == true)
    }

    @Test("A task with no estimated time is due after the default one; a terminal task never")
    func defaultEstimateAndTerminal() throws {
        let ledger = try ledger()
        _ = try ledger.record(event(try task(.processing)))
        let created = Date(timeIntervalSince1970: 1_761_313_744)
        let schedule = TaskCheckSchedule(grace: 0, defaultEstimatedTime: 300, linkLifetime: 86_400)
        #expect(try ledger.tasksToCheck(schedule: schedule, now: created.addingTimeInterval(299)).isEmpty)
        #expect(try ledger.tasksToCheck(schedule: schedule, now: created.addingTimeInterval(300)).count == 1)
        _ = try ledger.record(event(try task(.failed)))
        #expect(try ledger.tasksToCheck(schedule: schedule, now: created.addingTimeInterval(1000)).isEmpty)
    }

    @Test("Without a key, downloads held for verification are released as unverified")
    func releasePending() throws {
        let ledger = try ledger()
        _ = try ledger.record(event(try task(.completed), trust: .needsVerification))
        #expect(try ledger.releasePendingVerifications().map(\.rawValue) == [Self.id])
        let detail = try #require(try ledger.task(id: TaskID(Self.id)!))
        #expect(detail.task.verification == .unverified)
        #expect(detail.downloadJob?.sourceURL == "https://media.example.com/v/\(Self.id).mp4?sig=1")
        #expect(try ledger.releasePendingVerifications().isEmpty)
    }
}

@Suite("Migration v3-api-tasks")
struct APITasksMigrationTests {
    @Test("a ledger made before it gains the API columns and keeps its tasks, unverified and unscheduled")
    func migrationFromV2() throws {
        let directory = TemporaryDirectory()
        try directory.prepareLedger(upTo: "v2-download-resume", then: """
            INSERT INTO tasks (id, status, created, first_seen, last_seen) VALUES ('t-old', 'processing', 100, 1, 1);
            """)
        let ledger = try directory.openLedger()
        let applied = try ledger.appliedMigrations()
        #expect(applied.starts(with: ["v1", "v2-download-resume", "v3-api-tasks", "v4-notifications"]))
        let task = try #require(try ledger.task(id: TaskID("t-old")!)).task
        #expect(task.status == .processing)
        #expect(task.verification == nil && task.checkAttempts == 0 && task.nextCheckAt == nil && task.estimatedTime == nil)
        // Old tasks are reconciled like new ones: due at created + the default estimate + grace.
        let due = try ledger.tasksToCheck(schedule: TaskCheckSchedule(grace: 0, defaultEstimatedTime: 300),
                                          now: Date(timeIntervalSince1970: 400))
        #expect(due.map(\.taskID.rawValue) == ["t-old"])
    }
}
