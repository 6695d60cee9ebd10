import Dispatch
import Foundation
import Outbox
import Postgres
import Synchronization
import Testing
@testable import Ledger
import TestSupport
import VideoAPI

/// Runs `work(0)` … `work(count - 1)` on threads of their own, released at the same
/// instant, and waits for all of them.
private func onThreads(_ count: Int, _ work: @escaping @Sendable (Int) -> Void) {
    let ready = DispatchGroup()
    let done = DispatchGroup()
    let go = DispatchSemaphore(value: 0)
    for index in 0..<count {
        ready.enter()
        done.enter()
        Thread {
            ready.leave()
            go.wait()
            work(index)
            done.leave()
        }.start()
    }
    ready.wait()
    for _ in 0..<count { go.signal() }
    done.wait()
}

/// Two `Ledger`s on one database, each with a pool of its own, as two `serve` processes
/// behind one address would have.
private func twoInstances(limits: LedgerLimits = LedgerLimits()) throws -> (TemporaryDirectory, [Ledger]) {
    let directory = TemporaryDirectory()
    let conninfo = try directory.postgresConninfo()
    let first = try Ledger.open(postgres: conninfo, password: nil, limits: limits)
    let second = try Ledger.open(postgres: conninfo, password: nil, limits: limits)
    return (directory, [first, second])
}

private func conflictRetries(_ ledgers: [Ledger]) -> Int {
    ledgers.compactMap { $0.backend as? PostgresLedgerBackend }.map { $0.conflictRetries.load(ordering: .relaxed) }
        .reduce(0, +)
}

@Suite("The PostgreSQL ledger: two instances on one database",
       .enabled(if: LedgerBackendUnderTest.isPostgres, "PostgreSQL's own; run with LEDGER_TEST_BACKEND=postgres"))
struct PostgresLedgerConcurrencyTests {
    /// Every callback of 40 tasks (processing, then completed) reaches both instances
    /// three times, all at the same instant, from 12 threads: half recorded straight
    /// (a transaction each), half through each instance's group-committing writer.
    ///
    /// Twelve threads on tables this small collide far more than two writers would
    /// (PostgreSQL's predicate locks are per index page): each instance gets a long
    /// conflict budget, so that the test is about the invariants, not about how long
    /// a storm may take before a write gives up as unavailable (503).
    @Test("the API's retries reaching both instances at once: one event row each, one job and one task.completed per task, never backwards")
    func duplicateStorm() throws {
        let (directory, ledgers) = try twoInstances(limits: LedgerLimits(busyTimeout: 60))
        let target = NotificationTarget(key: "webhook https://app.test/hooks", events: Set(NotificationEventType.allCases))
        for ledger in ledgers { try ledger.setNotificationTargets([target]) }
        let writers = ledgers.map { LedgerWriter(ledger: $0) }
        for writer in writers { try writer.start() }
        defer { for writer in writers { writer.close() } }

        let taskIDs = (0..<40).map { "storm-\($0)" }
        let copies = 3
        var items: [(instance: Int, write: LedgerWrite)] = []
        for id in taskIDs {
            for status in [TaskStatus.processing, .completed] {
                for instance in 0..<2 {
                    for _ in 0..<copies {
                        items.append((instance, try TaskBody.event(id: id, status: status,
                                                                   progress: status == .processing ? 40 : 100)))
                    }
                }
            }
        }
        items.shuffle()
        let work = items
        let next = Atomic<Int>(0)
        let completions = Completions()

        // A reader on a third pool, watching every task's status as the storm goes on.
        let reader = try directory.openLedgerForReading()
        let stop = Atomic<Bool>(false)
        let backwards = Mutex<[String]>([])
        let readerDone = DispatchSemaphore(value: 0)
        Thread {
            var stages: [String: Int] = [:]
            while !stop.load(ordering: .relaxed) {
                guard let tasks = try? reader.tasks() else { continue }
                for task in tasks {
                    if let seen = stages[task.id], seen > task.status.stage {
                        backwards.withLock { $0.append("\(task.id): stage \(seen), then \(task.status)") }
                    }
                    stages[task.id] = max(stages[task.id] ?? 0, task.status.stage)
                }
            }
            readerDone.signal()
        }.start()

        let handlers = work.map { _ in completions.expectOne() }
        onThreads(12) { _ in
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < work.count else { return }
                let (instance, write) = work[index]
                if index % 2 == 0 {
                    writers[instance].submit(write, completion: handlers[index])
                } else {
                    let result: Result<LedgerOutcome, LedgerError>
                    do throws(LedgerError) { result = .success(try ledgers[instance].record(write)) } catch { result = .failure(error) }
                    handlers[index](result)
                }
            }
        }
        #expect(completions.wait(seconds: 120))
        stop.store(true, ordering: .relaxed)
        readerDone.wait()

        #expect(completions.all.count == items.count)
        #expect(completions.failures.isEmpty, "every copy was recorded: \(completions.failures.prefix(3))")
        let outcomes = completions.outcomes
        // One new event per distinct event; the rest counted as duplicates.
        #expect(outcomes.filter { !$0.isDuplicate }.count == taskIDs.count * 2)
        #expect(outcomes.filter(\.downloadJobCreated).count == taskIDs.count)
        #expect(Set(outcomes.filter(\.downloadJobCreated).map(\.taskID.rawValue)) == Set(taskIDs))
        #expect(outcomes.allSatisfy { ($0.statusBefore?.stage ?? 0) <= $0.statusAfter.stage }, "a state never goes backwards")
        #expect(backwards.withLock { $0 }.isEmpty, "a reader never saw a task go back: \(backwards.withLock { $0 }.prefix(3))")

        let ledger = ledgers[0]
        let counts = try ledger.counts()
        #expect(counts.tasksByStatus[.completed] == taskIDs.count && counts.tasks == taskIDs.count)
        #expect(counts.events == taskIDs.count * 2)
        #expect(counts.duplicates == taskIDs.count * 2 * (2 * copies - 1))
        #expect(counts.downloadJobs == taskIDs.count)
        for id in taskIDs {
            let detail = try #require(try ledger.task(id: TaskID(id)!))
            #expect(detail.events.map(\.duplicateCount) == [2 * copies - 1, 2 * copies - 1], "\(id)")
            #expect(detail.downloadJob != nil)
        }
        let perTask = try ledger.testRead { db in
            try db.fetchAll(sql: """
                SELECT task_id, count(*) AS n FROM notification_events WHERE type = 'task.completed' GROUP BY task_id
                """).map { ($0["task_id"] as String?, $0["n"] as Int?) }
        }
        #expect(perTask.count == taskIDs.count && perTask.allSatisfy { $0.1 == 1 }, "one task.completed per task")
        #expect(try ledger.testCount("SELECT count(*) FROM notification_deliveries") == taskIDs.count)
        #expect(try ledger.testCount("SELECT count(*) FROM notification_events") == taskIDs.count)
        print("duplicate storm: \(items.count) callbacks, \(conflictRetries(ledgers)) transactions run again after a conflict")
    }

    @Test("two instances claiming download jobs at once never take the same job, and take them all")
    func concurrentClaims() throws {
        let (_, ledgers) = try twoInstances()
        let jobs = 60
        for index in 0..<jobs {
            _ = try ledgers[index % 2].record(try TaskBody.event(id: "claim-\(index)", status: .completed))
        }
        let claimed = Mutex<[String]>([])
        let failures = Mutex<[LedgerError]>([])
        onThreads(8) { thread in
            let ledger = ledgers[thread % 2]
            while true {
                do throws(LedgerError) {
                    guard let claim = try ledger.claimNextDownload() else { return }
                    claimed.withLock { $0.append(claim.job.taskID) }
                } catch {
                    failures.withLock { $0.append(error) }
                    return
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        let taken = claimed.withLock { $0 }
        #expect(taken.count == jobs && Set(taken).count == jobs, "each job claimed once")
        #expect(try ledgers[0].counts().downloadJobsByState[.running] == jobs)
    }

    @Test("a job one instance holds is passed over by the other, which neither waits nor takes it")
    func claimSkipsALockedJob() throws {
        let (_, ledgers) = try twoInstances()
        _ = try ledgers[0].record(try TaskBody.event(id: "held", status: .completed, at: Date(timeIntervalSince1970: 1)))
        _ = try ledgers[0].record(try TaskBody.event(id: "free", status: .completed, at: Date(timeIntervalSince1970: 2)))
        // Both have the same deadline (created + 24 h): the job id breaks the tie, "held" first.
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let heldBy = Mutex<String?>(nil)
        Thread {
            _ = try? ledgers[0].backend.claim { db in
                let row = try db.fetchOne(sql: """
                    SELECT j.task_id FROM download_jobs j WHERE j.state = 'queued' ORDER BY j.deadline, j.id
                    LIMIT 1\(db.dialect.skipLocked(of: "j"))
                    """)
                heldBy.withLock { $0 = row?["task_id"] }
                holding.signal()
                release.wait()
            }
        }.start()
        holding.wait()
        defer { release.signal() }
        #expect(heldBy.withLock { $0 } == "held")
        let started = Date()
        let claim = try ledgers[1].claimNextDownload()
        #expect(claim?.job.taskID == "free", "the held job is skipped")
        #expect(Date().timeIntervalSince(started) < 2, "without waiting for the other instance")
        #expect(try ledgers[1].claimNextDownload() == nil, "nothing else is free")
    }

    @Test("two instances claiming deliveries at once never take the same one")
    func concurrentDeliveryClaims() throws {
        let (_, ledgers) = try twoInstances()
        let target = NotificationTarget(key: "webhook https://app.test/hooks", events: Set(NotificationEventType.allCases))
        for ledger in ledgers { try ledger.setNotificationTargets([target]) }
        for index in 0..<30 {
            _ = try ledgers[index % 2].record(try TaskBody.event(id: "deliver-\(index)", status: .completed))
        }
        let claimed = Mutex<[Int64]>([])
        onThreads(6) { thread in
            while let claim = try? ledgers[thread % 2].claimNextDelivery() {
                claimed.withLock { $0.append(claim.deliveryID) }
            }
        }
        let taken = claimed.withLock { $0 }
        #expect(taken.count == 30 && Set(taken).count == 30)
    }

    @Test("instances starting at once migrate one at a time, under the advisory lock")
    func concurrentMigrations() throws {
        let directory = TemporaryDirectory()
        let conninfo = try directory.postgresConninfo()
        let opened = Mutex<[Result<Ledger, LedgerError>]>([])
        onThreads(4) { _ in
            let result: Result<Ledger, LedgerError>
            do throws(LedgerError) { result = .success(try Ledger.open(postgres: conninfo, password: nil)) } catch {
                result = .failure(error)
            }
            opened.withLock { $0.append(result) }
        }
        let ledgers = try opened.withLock { $0 }.map { try $0.get() }
        #expect(ledgers.count == 4)
        #expect(try ledgers[0].testCount("SELECT count(*) FROM ledger_migrations") == LedgerSchema.migrations.count)
        #expect(try ledgers[0].appliedMigrations() == LedgerSchema.migrations.map(\.identifier))
        _ = try ledgers[1].record(try TaskBody.event(id: "after-migrations", status: .completed))
        #expect(try ledgers[3].counts().downloadJobs == 1)
    }

    @Test("every session commits synchronously, even on a database whose default is off")
    func synchronousCommit() throws {
        let directory = TemporaryDirectory()
        let database = try directory.postgresDatabaseName()
        try PostgresCluster.shared().psql("ALTER DATABASE \(database) SET synchronous_commit = off")
        let ledger = try directory.openLedger()
        let level = try ledger.testRead { try $0.fetchScalar(String.self, sql: "SELECT current_setting('synchronous_commit')") }
        #expect(level == "on")
        // A connection the pool opens later too: two at once.
        let levels = Mutex<[String?]>([])
        onThreads(3) { _ in
            let level = try? ledger.testRead { db -> String? in
                Thread.sleep(forTimeInterval: 0.2)
                return try db.fetchScalar(String.self, sql: "SELECT current_setting('synchronous_commit')")
            }
            levels.withLock { $0.append(level) }
        }
        #expect(levels.withLock { $0 } == ["on", "on", "on"])
    }

    @Test("ids sort byte by byte, as on SQLite, in a database whose locale sorts otherwise")
    func byteOrderWhateverTheLocale() throws {
        let cluster = try PostgresCluster.shared()
        let database = "icu_\(getpid())_\(Int.random(in: 0..<1_000_000))"
        try cluster.psql("CREATE DATABASE \(database) TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'")
        let conninfo = cluster.conninfo(database: database)
        // The database's own collation puts a lower-case letter before an upper-case one.
        #expect(try cluster.psql("SELECT 't-a' < 't-B'", database: database).hasPrefix("t"))
        let ledger = try Ledger.open(postgres: conninfo, password: nil)
        let seen = Date(timeIntervalSince1970: 1_800_000_000)
        for id in ["t_a", "t-a", "t-B", "t-0"] {
            _ = try ledger.record(try TaskBody.event(id: id, status: .pending, at: seen))
        }
        #expect(try ledger.tasks().map(\.id) == ["t-0", "t-B", "t-a", "t_a"])
    }

    @Test("all connections busy: a transaction waits up to busyTimeout, then fails as unavailable")
    func poolIsBounded() throws {
        let directory = TemporaryDirectory()
        let ledger = try Ledger.open(postgres: try directory.postgresConninfo(), password: nil,
                                     limits: LedgerLimits(busyTimeout: 0.3, maxConnections: 1))
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        Thread {
            _ = try? ledger.testRead { _ in
                holding.signal()
                release.wait()
            }
        }.start()
        holding.wait()
        #expect {
            try ledger.record(try TaskBody.event(id: "waits", status: .pending))
        } throws: { error in
            guard let error = error as? LedgerError, error.isUnavailable else { return false }
            return error.description.contains("busy")
        }
        release.signal()
        #expect(Polling.until(timeout: 5) { (try? ledger.record(try TaskBody.event(id: "waits", status: .pending))) != nil })
    }

    @Test("the location names user, host, port and database, never the password; a refused login keeps it out too")
    func locationWithoutPassword() throws {
        let cluster = try PostgresCluster.shared()
        let directory = TemporaryDirectory()
        let database = try directory.postgresDatabaseName()
        let role = "ledger_role_\(getpid())_\(Int.random(in: 0..<1_000_000))"
        let password = "pw-\(UUID().uuidString)"
        try cluster.createRole(role, password: password)
        try cluster.psql("ALTER DATABASE \(database) OWNER TO \(role)")
        let conninfo = cluster.conninfo(database: database, user: role)

        let ledger = try Ledger.open(postgres: conninfo, password: password)
        #expect(ledger.path == "\(role)@\(cluster.socketDirectory):\(cluster.port)/\(database)")
        _ = try ledger.record(try TaskBody.event(id: "owned", status: .completed))

        let url = "postgresql://\(role):\(password)@/\(database)?host=\(cluster.socketDirectory)&port=\(cluster.port)"
        let fromURL = try Ledger.openForReading(postgres: url, password: nil)
        #expect(!fromURL.path.contains(password))
        #expect(try fromURL.counts().downloadJobs == 1)

        let wrong = "not-\(password)"
        #expect {
            try Ledger.open(postgres: conninfo, password: wrong)
        } throws: { error in
            guard case .cannotOpen(let location, let reason)? = error as? LedgerError else { return false }
            return !reason.contains(wrong) && !location.contains(wrong) && reason.contains("password")
        }
        #expect {
            try Ledger.open(postgres: url.replacingOccurrences(of: password, with: wrong), password: nil)
        } throws: { error in
            guard let error = error as? LedgerError else { return false }
            return !error.description.contains(wrong) && !error.description.contains(password)
        }
    }
}

/// PostgreSQL stopped and started under a ledger that stays open, as a database
/// restart or a failover looks to a running `serve`. A cluster of its own: the shared
/// one stays up for the other tests.
@Suite("The PostgreSQL ledger when the server goes away",
       .enabled(if: LedgerBackendUnderTest.isPostgres, "PostgreSQL's own; run with LEDGER_TEST_BACKEND=postgres"))
struct PostgresLedgerFaultTests {
    @Test("stopped: writes and reads fail as unavailable (503), never writeFailed; started: the same Ledger works again",
          arguments: ["fast", "immediate"])
    func outage(mode: String) throws {
        let cluster = try PostgresCluster()
        let ledger = try Ledger.open(postgres: try cluster.createDatabase(), password: nil)
        _ = try ledger.record(try TaskBody.event(id: "before", status: .completed))
        let writer = LedgerWriter(ledger: ledger)
        try writer.start()
        defer { writer.close() }

        try cluster.stop(mode: mode)
        let direct = #expect(throws: LedgerError.self) { try ledger.record(try TaskBody.event(id: "during", status: .completed)) }
        #expect(direct?.isUnavailable == true, "\(String(describing: direct))")
        #expect(direct?.description.contains("PostgreSQL") == true)
        let completions = Completions()
        writer.submit(try TaskBody.event(id: "during-batch", status: .completed), completion: completions.expectOne())
        #expect(completions.wait())
        #expect(completions.failures.count == 1 && completions.failures.allSatisfy(\.isUnavailable),
                "\(completions.failures)")
        let read = #expect(throws: LedgerError.self) { try ledger.counts() }
        #expect(read?.isUnavailable == true)
        #expect(throws: LedgerError.self) { try ledger.claimNextDownload() }

        try cluster.start()
        let after = try ledger.record(try TaskBody.event(id: "during", status: .completed))
        #expect(after.event?.downloadJobCreated == true)
        let again = Completions()
        writer.submit(try TaskBody.event(id: "during-batch", status: .completed), completion: again.expectOne())
        #expect(again.wait())
        #expect(again.failures.isEmpty, "\(again.failures)")
        #expect(try ledger.counts().downloadJobs == 3)
        #expect(try ledger.claimNextDownload() != nil)
    }

    @Test("a session the server ends (pg_terminate_backend) is replaced without a failure")
    func terminatedSessions() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        _ = try ledger.record(try TaskBody.event(id: "t1", status: .pending))
        let database = try directory.postgresDatabaseName()
        try PostgresCluster.shared().psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database)'")
        _ = try ledger.record(try TaskBody.event(id: "t1", status: .completed))
        #expect(try ledger.counts().downloadJobs == 1)
    }
}

@Suite("LedgerError sorts PostgreSQL's failures for the intake")
struct PostgresLedgerErrorTests {
    @Test("the server out of reach, shutting down, full, read-only, out of connections, or a commit unknown: unavailable (503)",
          arguments: [
              (PostgresError.Kind.connectionLost, nil as String?, "cannot be reached"),
              (.connectionLost, "57P01", "shutting down"),
              (.connectionLost, "57P02", "restarting"),
              (.connectionLost, "57P03", "starting up"),
              (.other, "53300", "more connections"),
              (.other, "53100", "full"),
              (.other, "25006", "read-only"),
              (.commitOutcomeUnknown, nil, "unknown"),
              (.serializationFailure, "40001", "conflicting"),
          ])
    func unavailable(kind: PostgresError.Kind, sqlState: String?, phrase: String) {
        let error = PostgresError(kind: kind, message: "the server's words", sqlState: sqlState)
        let sorted = LedgerError.forWrite(error)
        #expect(sorted.isUnavailable)
        #expect(sorted.description.contains(phrase), "\(sorted)")
        #expect(sorted.description.contains("the server's words"))
        #expect(LedgerError.forRead(error).isUnavailable)
    }

    @Test("a statement's own failure is this write's: writeFailed (500), readFailed for a read")
    func ownFailure() {
        for (kind, state) in [(PostgresError.Kind.uniqueViolation, "23505"), (.other, "23514"), (.other, "42601")] {
            let error = PostgresError(kind: kind, message: "refused", sqlState: state)
            #expect(LedgerError.forWrite(error) == .writeFailed(reason: error.description))
            #expect(LedgerError.forRead(error) == .readFailed(reason: error.description))
        }
    }

    @Test("an unknown commit says the API's retry settles it; it is never a success")
    func commitOutcomeUnknown() {
        let sorted = LedgerError.forWrite(PostgresError(kind: .commitOutcomeUnknown, message: "server closed the connection"))
        #expect(sorted.isUnavailable)
        #expect(sorted.description.contains("retry"))
    }

    @Test("conflicts and lost connections end the transaction (the backend runs it again); a statement's refusal does not")
    func endsTransaction() {
        #expect(LedgerError.endsTransaction(PostgresError(kind: .serializationFailure, message: "")))
        #expect(LedgerError.endsTransaction(PostgresError(kind: .deadlock, message: "")))
        #expect(LedgerError.endsTransaction(PostgresError(kind: .connectionLost, message: "")))
        #expect(!LedgerError.endsTransaction(PostgresError(kind: .uniqueViolation, message: "")))
        #expect(!LedgerError.endsTransaction(PostgresError(kind: .other, message: "")))
        #expect(!LedgerError.endsTransaction(LedgerError.writeFailed(reason: "x")))
    }
}

@Suite("? placeholders numbered for PostgreSQL")
struct PostgresStatementTextTests {
    @Test("in order, left alone inside literals, quoted identifiers, dollar quotes and comments", arguments: [
        ("SELECT 1", "SELECT 1"),
        ("SELECT * FROM t WHERE a = ? AND b IN (?, ?)", "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)"),
        ("SELECT '?', ? FROM t", "SELECT '?', $1 FROM t"),
        ("SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1"),
        (#"SELECT "odd?name", ?"#, #"SELECT "odd?name", $1"#),
        ("SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2"),
        ("SELECT /* a? /* nested? */ still? */ ?", "SELECT /* a? /* nested? */ still? */ $1"),
        ("SELECT $$ is it? $$, ?", "SELECT $$ is it? $$, $1"),
        ("SELECT $tag$ ? $ ? $tag$, ?", "SELECT $tag$ ? $ ? $tag$, $1"),
        ("SELECT ',' || ? || ','", "SELECT ',' || $1 || ','"),
        ("SELECT a$b, ?", "SELECT a$b, $1"),
        ("SELECT 'ünïcode ?', ?", "SELECT 'ünïcode ?', $1"),
    ])
    func numbered(sql: String, expected: String) {
        #expect(PostgresStatementText.numbered(sql) == expected)
    }

    @Test("twelve and more placeholders", arguments: [12])
    func many(count: Int) {
        let sql = "VALUES (" + Array(repeating: "?", count: count).joined(separator: ", ") + ")"
        let expected = "VALUES (" + (1...count).map { "$\($0)" }.joined(separator: ", ") + ")"
        #expect(PostgresStatementText.numbered(sql) == expected)
    }
}

@Suite("The PostgreSQL ledger: round trips of a group commit",
       .enabled(if: LedgerBackendUnderTest.isPostgres, "PostgreSQL's own; run with LEDGER_TEST_BACKEND=postgres"))
struct PostgresGroupCommitRoundTripTests {
    @Test("a batch of new completed callbacks is two round trips, first use of its statements included: BEGIN with the read of its tasks, then every write with COMMIT")
    func newCallbacksBatch() throws {
        let directory = TemporaryDirectory()
        let ledger = try Ledger.open(postgres: directory.postgresConninfo(), password: nil,
                                     limits: LedgerLimits(maxConnections: 1))
        let target = NotificationTarget(key: "webhook https://app.test/hooks", events: Set(NotificationEventType.allCases))
        try ledger.setNotificationTargets([target])
        let backend = try #require(ledger.backend as? PostgresLedgerBackend)
        try backend.pool.withConnection { try $0.startTrace(path: directory.file("trace")) }
        let writes = try (0..<20).map { try TaskBody.event(id: "rt-\($0)", status: .completed, progress: 100) }
        let results = try ledger.record(writes)
        try backend.pool.withConnection { $0.stopTrace() }

        #expect(try results.allSatisfy { try $0.get().event?.downloadJobCreated == true })
        #expect(try PostgresTrace.roundTrips(directory.file("trace")) == 2)
        #expect(try ledger.counts().downloadJobsByState.values.reduce(0, +) == 20)
        let events = try ledger.notificationEvents()
        #expect(events.count == 20 && events.allSatisfy { $0.type == .taskCompleted })
        #expect(try ledger.testRead { db in
            try db.fetchScalar(Int.self, sql: "SELECT count(*) FROM notification_deliveries WHERE target = ?",
                               arguments: [target.key])
        } == 20, "a delivery per event, found by the event's id")

        // The same callbacks again, in one batch: duplicates, one read for the tasks and
        // one per callback for its event (the dedup), nothing queued twice.
        try backend.pool.withConnection { try $0.startTrace(path: directory.file("again")) }
        let again = try ledger.record(writes)
        try backend.pool.withConnection { $0.stopTrace() }
        #expect(try again.allSatisfy { try $0.get().event?.isDuplicate == true })
        #expect(try PostgresTrace.roundTrips(directory.file("again")) == 2 + 20)
        #expect(try ledger.notificationEvents().count == 20)
    }
}
