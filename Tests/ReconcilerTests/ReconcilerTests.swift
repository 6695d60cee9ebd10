import APIClient
import Foundation
import Ledger
import Logging
import Reconciler
import Synchronization
import Testing
import TestSupport
import VideoAPI

@Suite("The reconciler: verifications and overdue tasks, with per-task backoff")
struct ReconcilerTests {
    static let created: Int64 = 1_761_313_744
    static let start = Date(timeIntervalSince1970: Double(created))
    static let video = "https://media.example.com/v/video.mp4"

    let folder = TemporaryDirectory()
    let transport = ScriptedTransport()
    let ledger: Ledger
    let queued = QueuedIDs()
    let configuration = ReconcilerConfiguration(
        schedule: TaskCheckSchedule(grace: 30, defaultEstimatedTime: 300, linkLifetime: 86_400),
        overdueBackoff: CheckBackoff(base: 60, maximum: 600), verificationBackoff: CheckBackoff(base: 10, maximum: 100),
        batchSize: 10)

    init() throws {
        ledger = try Ledger.open(path: folder.path + "/ledger.sqlite")
    }

    func reconciler() throws -> Reconciler {
        let client = try VideoAPIClient(
            configuration: VideoAPIClientConfiguration(baseURL: transport.base, key: BearerKey("sk-test"), retry: .once),
            transport: transport, logger: Logger(label: "test"))
        return Reconciler(ledger: ledger, sink: ledger, client: client, configuration: configuration,
                          logger: Logger(label: "test"), onDownloadQueued: { [queued] id in queued.add(id) })
    }

    static func id(_ suffix: String) -> TaskID { TaskID("task-unified-1761313744-\(suffix)")! }

    static func validated(_ body: String) -> ValidatedTask {
        guard case .task(let task) = CallbackBody.classify(Data(body.utf8)) else { fatalError("not a task: \(body)") }
        return task
    }

    /// A task `submit` recorded: pending, created at `created`, 60 s estimated.
    func submitted(_ id: TaskID) throws {
        let answer = Self.validated(TaskBodies.task(id.rawValue, status: "pending", created: Self.created, estimatedTime: 60))
        _ = try ledger.record(.submitted(SubmittedTask(answer: answer, requestJSON: "{}")))
    }

    /// A completed callback held for verification.
    func completedCallback(_ id: TaskID, video: String = ReconcilerTests.video + "?sig=callback",
                           created: Int64 = ReconcilerTests.created) throws {
        let body = Self.validated(TaskBodies.task(id.rawValue, status: "completed", created: created, results: [video]))
        _ = try ledger.record(.event(TaskEvent(task: body, peer: "203.0.113.9:4000", trust: .needsVerification)))
    }

    func answer(_ id: TaskID, _ status: String, results: [String] = [], progress: Int? = nil) {
        transport.script("GET /v1/tasks/\(id)", ScriptedTransport.json(200, TaskBodies.task(
            id.rawValue, status: status, created: Self.created, results: results, progress: progress,
            error: status == "failed" ? ("content_policy_violation", "refused") : nil)))
    }

    func detail(_ id: TaskID) throws -> TaskDetail { try #require(try ledger.task(id: id)) }

    @Test("A task is not asked about before created + estimated time + grace")
    func notBeforeExpectedEnd() throws {
        let id = Self.id("early000")
        try submitted(id)
        answer(id, "processing")
        let pass = try reconciler().runPass(now: Self.start.addingTimeInterval(89))
        #expect(pass.findings.isEmpty)
        #expect(transport.requests.isEmpty)
    }

    @Test("A lost callback is found: the API's completed answer is recorded like a callback and its video queued")
    func lostCallbackFound() throws {
        let id = Self.id("lost0000")
        try submitted(id)
        answer(id, "completed", results: [Self.video + "?sig=api"])
        let pass = try reconciler().runPass(now: Self.start.addingTimeInterval(90))
        #expect(pass.findings.map(\.outcome) == [.advanced])
        #expect(pass.findings.first?.downloadQueued == true)
        #expect(queued.all == [id])
        let detail = try detail(id)
        #expect(detail.task.status == .completed)
        #expect(detail.task.verification == .verified)
        #expect(detail.downloadJob?.sourceURL == Self.video + "?sig=api")
        #expect(detail.events.contains { $0.peer == "api (reconciler)" && $0.status == .completed && $0.applied })
        #expect(detail.task.checksEndedAt != nil)
        // Asked once; a second pass asks nothing.
        _ = try reconciler().runPass(now: Self.start.addingTimeInterval(5000), ignoringBackoff: true)
        #expect(transport.requests.count == 1)
    }

    @Test("A late callback after the reconciler found the task is a duplicate-free repeat: no second job")
    func lateCallbackAfterReconcile() throws {
        let id = Self.id("late0000")
        try submitted(id)
        answer(id, "completed", results: [Self.video])
        _ = try reconciler().runPass(now: Self.start.addingTimeInterval(90))
        let late = Self.validated(TaskBodies.task(id.rawValue, status: "completed", created: Self.created, results: [Self.video]))
        let outcome = try ledger.record(.event(TaskEvent(task: late, peer: "203.0.113.9:4000", trust: .needsVerification))).event
        #expect(outcome?.isDuplicate == true)
        #expect(outcome?.downloadJobCreated == false && outcome?.downloadHeld == false)
        #expect(try ledger.counts().downloadJobs == 1)
    }

    @Test("A task still processing is asked again after its backoff, not before; a failure ends the asking")
    func stillProcessingBacksOff() throws {
        let id = Self.id("slow0000")
        try submitted(id)
        answer(id, "processing", progress: 40)
        let first = try reconciler().runPass(now: Self.start.addingTimeInterval(100))
        #expect(first.findings.map(\.outcome) == [.stillRunning])
        #expect(first.findings.first?.note == "the video API says processing (40%)")
        let next = try #require(first.findings.first?.nextCheckAt)
        let wait = next.timeIntervalSince(Self.start.addingTimeInterval(100))
        #expect(wait >= 30 && wait <= 60)
        #expect(try reconciler().runPass(now: next.addingTimeInterval(-1)).findings.isEmpty)
        #expect(try detail(id).task.status == .processing)

        answer(id, "failed")
        let second = try reconciler().runPass(now: next)
        #expect(second.findings.map(\.outcome) == [.advanced])
        #expect(try detail(id).task.status == .failed)
        #expect(try detail(id).task.errorCode == "content_policy_violation")
        #expect(try detail(id).downloadJob == nil)
        #expect(transport.requests.count == 2)
        #expect(try ledger.tasksToCheck(schedule: configuration.schedule, now: Self.start.addingTimeInterval(9000),
                                        ignoringBackoff: true).isEmpty)
    }

    @Test("A completed callback the API confirms is downloaded from the API's URL, not the callback's")
    func verificationConfirmed() throws {
        let id = Self.id("conf0000")
        try completedCallback(id)
        answer(id, "completed", results: [Self.video + "?sig=api"])
        let pass = try reconciler().runPass(now: Self.start)
        #expect(pass.findings.map(\.outcome) == [.verified])
        let detail = try detail(id)
        #expect(detail.task.verification == .verified)
        #expect(detail.downloadJob?.sourceURL == Self.video + "?sig=api")
        #expect(queued.all == [id])
    }

    @Test("A forged callback naming another video: warning, the callback's URL never queued, the API's video is")
    func verificationOtherVideo() throws {
        let id = Self.id("forg0000")
        try completedCallback(id, video: "https://attacker.example/evil.mp4")
        answer(id, "completed", results: [Self.video])
        let pass = try reconciler().runPass(now: Self.start)
        #expect(pass.findings.map(\.outcome) == [.contradicted])
        let detail = try detail(id)
        #expect(detail.task.verification == .contradicted)
        #expect(detail.task.verificationNote?.contains("https://attacker.example/evil.mp4 is not the API's") == true)
        #expect(detail.downloadJob?.sourceURL == Self.video)
    }

    @Test("A callback the API contradicts (failed, or no such task) is recorded and nothing is downloaded")
    func verificationContradicted() throws {
        let failed = Self.id("fail0000")
        try completedCallback(failed)
        answer(failed, "failed")
        let unknown = Self.id("none0000")
        try completedCallback(unknown)
        let pass = try reconciler().runPass(now: Self.start)
        #expect(pass.findings.map(\.outcome) == [.contradicted, .contradicted])
        for id in [failed, unknown] {
            let detail = try detail(id)
            #expect(detail.downloadJob == nil)
            #expect(detail.task.verification == .contradicted)
        }
        #expect(try detail(failed).task.verificationNote == "the video API says the task failed (content_policy_violation); nothing is downloaded")
        #expect(try detail(unknown).task.verificationNote?.contains("knows no task") == true)
        #expect(queued.all.isEmpty)
        #expect(try reconciler().runPass(now: Self.start.addingTimeInterval(1000), ignoringBackoff: true).findings.isEmpty)
    }

    @Test("A completed callback for a task the API still runs waits, with backoff, and is downloaded once it ends")
    func verificationNotYet() throws {
        let id = Self.id("wait0000")
        try completedCallback(id)
        answer(id, "processing", progress: 90)
        let first = try reconciler().runPass(now: Self.start)
        #expect(first.findings.map(\.outcome) == [.awaitingAPI])
        #expect(try detail(id).downloadJob == nil)
        let next = try #require(first.findings.first?.nextCheckAt)
        #expect(next.timeIntervalSince(Self.start) <= 10)
        answer(id, "completed", results: [Self.video + "?sig=2"])
        let second = try reconciler().runPass(now: next)
        #expect(second.findings.map(\.outcome) == [.verified])
        #expect(try detail(id).downloadJob?.sourceURL == Self.video + "?sig=2")
    }

    @Test("A 429 pauses the pass at the first task, for as long as the API asked; the rest wait")
    func rateLimitPausesPass() throws {
        for suffix in ["rate0001", "rate0002", "rate0003"] { try submitted(Self.id(suffix)) }
        for suffix in ["rate0001", "rate0002", "rate0003"] {
            transport.script("GET /v1/tasks/\(Self.id(suffix))",
                             ScriptedTransport.error(429, "rate_limit_error", "Rate limit exceeded", headers: [("Retry-After", "120")]))
        }
        let now = Self.start.addingTimeInterval(100)
        let pass = try reconciler().runPass(now: now)
        #expect(pass.findings.map(\.outcome) == [.askFailed])
        #expect(pass.pausedUntil == now.addingTimeInterval(120))
        #expect(transport.requests.count == 1)
        let asked = pass.findings[0].taskID
        #expect(try detail(asked).task.nextCheckAt == now.addingTimeInterval(120))
        #expect(try detail(asked).task.lastCheckNote?.contains("rate limiting") == true)
    }

    @Test("Errors from the API back off per task; a 401 stops the pass, other tasks keep their turn")
    func errorsBackOff() throws {
        let a = Self.id("err00001")
        let b = Self.id("err00002")
        try submitted(a)
        try submitted(b)
        transport.script("GET /v1/tasks/\(a)", ScriptedTransport.error(500, "internal_server_error", "Internal server error"))
        transport.script("GET /v1/tasks/\(b)", ScriptedTransport.error(500, "internal_server_error", "Internal server error"))
        let now = Self.start.addingTimeInterval(100)
        let pass = try reconciler().runPass(now: now)
        #expect(pass.findings.map(\.outcome) == [.askFailed, .askFailed])
        #expect(pass.pausedUntil == nil)
        #expect(try detail(a).task.checkAttempts == 1)

        transport.script("GET /v1/tasks/\(a)", ScriptedTransport.error(401, "authentication_error", "Invalid or expired token"))
        transport.script("GET /v1/tasks/\(b)", ScriptedTransport.error(401, "authentication_error", "Invalid or expired token"))
        let later = now.addingTimeInterval(10_000)
        let second = try reconciler().runPass(now: later)
        #expect(second.findings.count == 1)
        #expect(second.stoppedEarly?.contains("refused the key") == true)
        #expect(second.findings[0].note.contains("Check api.key"))
    }

    @Test("A task whose link would have expired is given up on once, without asking")
    func expiredGivenUp() throws {
        let id = Self.id("old00000")
        try submitted(id)
        let pass = try reconciler().runPass(now: Self.start.addingTimeInterval(86_400))
        #expect(pass.findings.map(\.outcome) == [.gaveUp])
        #expect(transport.requests.isEmpty)
        #expect(try reconciler().runPass(now: Self.start.addingTimeInterval(90_000)).findings.isEmpty)
    }

    @Test("An overdue task the API does not know ends the asking")
    func unknownToAPI() throws {
        let id = Self.id("gone0000")
        try submitted(id)
        let pass = try reconciler().runPass(now: Self.start.addingTimeInterval(100))
        #expect(pass.findings.map(\.outcome) == [.unknownToAPI])
        #expect(try reconciler().runPass(now: Self.start.addingTimeInterval(10_000), ignoringBackoff: true).findings.isEmpty)
    }

    @Test("Verifications are asked about before overdue tasks, at most batchSize per pass")
    func orderAndBatch() throws {
        for index in 0..<12 { try submitted(Self.id(String(format: "batch%03d", index))) }
        let verify = Self.id("verify00")
        try completedCallback(verify)
        answer(verify, "completed", results: [Self.video])
        for index in 0..<12 { answer(Self.id(String(format: "batch%03d", index)), "processing") }
        let pass = try reconciler().runPass(now: Self.start.addingTimeInterval(100))
        #expect(pass.findings.count == 10)
        #expect(pass.findings.first?.taskID == verify)
        #expect(pass.findings.first?.outcome == .verified)
    }

    @Test("The service runs a pass at start and again when woken, and stops promptly")
    func serviceWakesAndStops() throws {
        // The service runs on the real clock: a task made now, so its link has not expired.
        let now = Int64(Date().timeIntervalSince1970)
        let id = Self.id("svc00000")
        try completedCallback(id, created: now)
        answer(id, "completed", results: [Self.video])
        var slow = configuration
        slow.pollInterval = 3600
        let client = try VideoAPIClient(
            configuration: VideoAPIClientConfiguration(baseURL: transport.base, key: BearerKey("k"), retry: .once),
            transport: transport, logger: Logger(label: "test"))
        let service = ReconcilerService(
            reconciler: Reconciler(ledger: ledger, sink: ledger, client: client, configuration: slow, logger: Logger(label: "test")),
            ledger: ledger, logger: Logger(label: "test"))
        try service.start()
        defer { service.stop() }
        try waitUntil { try detail(id).downloadJob != nil }

        let second = Self.id("svc00001")
        try completedCallback(second, created: now)
        answer(second, "completed", results: [Self.video])
        service.wake()
        try waitUntil { try detail(second).downloadJob != nil }
        let started = Date()
        #expect(service.stop())
        #expect(Date().timeIntervalSince(started) < 2)
    }

    @Test("With a turn, the service runs passes only while it holds it, and while it does, at least every turn.pollInterval")
    func serviceWaitsForItsTurn() throws {
        let now = Int64(Date().timeIntervalSince1970)
        let id = Self.id("turn0000")
        try completedCallback(id, created: now)
        answer(id, "completed", results: [Self.video])
        var slow = configuration
        slow.pollInterval = 3600
        slow.minimumInterval = 0.05
        let client = try VideoAPIClient(
            configuration: VideoAPIClientConfiguration(baseURL: transport.base, key: BearerKey("k"), retry: .once),
            transport: transport, logger: Logger(label: "test"))
        let mine = Atomic<Bool>(false)
        let asked = Atomic<Int>(0)
        let turn = ReconcilerTurn(take: { asked.add(1, ordering: .relaxed); return mine.load(ordering: .relaxed) },
                                  retryInterval: 0.05, pollInterval: 0.1)
        let service = ReconcilerService(
            reconciler: Reconciler(ledger: ledger, sink: ledger, client: client, configuration: slow, logger: Logger(label: "test")),
            ledger: ledger, logger: Logger(label: "test"), turn: turn)
        try service.start()
        defer { service.stop() }
        try waitUntil { asked.load(ordering: .relaxed) >= 3 }
        #expect(try detail(id).downloadJob == nil, "another instance's turn: no pass")
        mine.store(true, ordering: .relaxed)
        try waitUntil { try detail(id).downloadJob != nil }
        // Without a wake, the holder looks again within its turn's poll interval.
        let second = Self.id("turn0001")
        try completedCallback(second, created: now)
        answer(second, "completed", results: [Self.video])
        try waitUntil { try detail(second).downloadJob != nil }
    }

    private func waitUntil(_ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
        Issue.record("condition not met within 10 s")
    }
}
