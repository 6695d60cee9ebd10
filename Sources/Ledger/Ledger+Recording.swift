import Foundation
import Outbox
import VideoAPI

extension Ledger {
    /// Records writes in ONE transaction and returns one result per write, in order.
    ///
    /// A write that the database refuses fails alone (``LedgerError/writeFailed(reason:)``)
    /// while the others commit. A condition of the file or disk (full, read-only, I/O
    /// error, locked), or of the PostgreSQL server, aborts the whole transaction and
    /// throws ``LedgerError/unavailable(reason:)``: nothing was committed (or, for a
    /// commit whose outcome is unknown, nothing is acknowledged). A conflict with another
    /// instance runs the whole batch again (``PostgresLedgerBackend``).
    /// When this returns, every success is durable (see ``Ledger``).
    ///
    /// Writes almost never fail alone, so the batch first runs without savepoints (each
    /// costs two statements per write); if one does fail, that transaction is rolled
    /// back and the batch runs again with each write in its own savepoint. (On
    /// PostgreSQL a failed statement aborts its transaction: the same rerun covers it.)
    public func record(_ writes: [LedgerWrite]) throws(LedgerError) -> [Result<LedgerOutcome, LedgerError>] {
        guard !writes.isEmpty else { return [] }
        // Not `writeTransaction`: its typed error would hide the refusal that sends the
        // batch round again.
        do {
            let results = try backend.write { db in try Self.apply(writes, in: db, limits: limits, isolated: false) }
            countTransaction()
            firesOutbox(results)
            return results
        } catch let refused as WriteRefused {
            // Alone in its transaction, the refused write is the whole answer.
            if writes.count == 1 { return [.failure(refused.error)] }
        } catch {
            // On PostgreSQL a write's statements may be sent with COMMIT (held back until
            // then, to save round trips): a refusal that shows there belongs to some write
            // of the batch, which the isolated run finds.
            let failure = LedgerError.forWrite(error)
            if failure.isUnavailable || LedgerError.endsTransaction(error) { throw failure }
            if writes.count == 1 { return [.failure(failure)] }
        }
        let results = try writeTransaction { db in try Self.apply(writes, in: db, limits: limits, isolated: true) }
        firesOutbox(results)
        return results
    }

    /// Wakes the notifier when a recorded write added an event: a download queued (task.completed)
    /// or a task's first failure.
    private func firesOutbox(_ results: [Result<LedgerOutcome, LedgerError>]) {
        let emitted = results.contains { result in
            guard case .success(.event(let outcome)) = result else { return false }
            return outcome.downloadJobCreated
                || (outcome.advanced && (outcome.statusAfter == .failed || outcome.statusAfter == .cancelled))
        }
        if emitted { outboxHook.fire() }
    }

    /// A write the database refused in a batch without savepoints: the batch is rolled
    /// back and runs again isolated.
    private struct WriteRefused: Error {
        let error: LedgerError
    }

    private static func apply(_ writes: [LedgerWrite], in db: any LedgerDatabase, limits: LedgerLimits,
                              isolated: Bool) throws -> [Result<LedgerOutcome, LedgerError>] {
        var results: [Result<LedgerOutcome, LedgerError>] = []
        results.reserveCapacity(writes.count)
        var storedRejected = false
        var storedUnrecognized = false
        var readAhead = try TasksReadAhead(ids: writes.lazy.compactMap { write -> String? in
            guard case .event(let event) = write else { return nil }
            return event.task.id.rawValue
        }, in: db)
        for write in writes {
            let outcome: LedgerOutcome
            do {
                outcome = isolated ? try applyInSavepoint(write, in: db, limits: limits, readAhead: &readAhead)
                                   : try apply(write, in: db, limits: limits, readAhead: &readAhead)
            } catch {
                // A conflict or a lost connection: the backend runs the transaction again.
                if LedgerError.endsTransaction(error) { throw error }
                let failure = LedgerError.forWrite(error)
                if failure.isUnavailable { throw failure }
                if !isolated { throw WriteRefused(error: failure) }
                results.append(.failure(failure))
                continue
            }
            results.append(.success(outcome))
            switch outcome {
            case .rejectedStored, .unknownTaskRefused: storedRejected = true
            case .unrecognizedStored: storedUnrecognized = true
            default: break
            }
        }
        if storedRejected {
            try keepNewest(limits.maxRejectedRows, of: "rejected_bodies", in: db)
        }
        if storedUnrecognized {
            try keepNewest(limits.maxUnrecognizedRows, of: "unrecognized_callbacks", in: db)
        }
        return results
    }

    /// One write in a savepoint of its own: refused, it leaves none of its statements.
    private static func applyInSavepoint(_ write: LedgerWrite, in db: any LedgerDatabase, limits: LedgerLimits,
                                         readAhead: inout TasksReadAhead) throws -> LedgerOutcome {
        var outcome: LedgerOutcome?
        var rows = readAhead
        try db.inSavepoint {
            outcome = try apply(write, in: db, limits: limits, readAhead: &rows)
        }
        readAhead = rows
        // inSavepoint runs its closure, so `outcome` is set unless it threw.
        guard let outcome else { throw LedgerError.writeFailed(reason: "the savepoint did not run its write") }
        return outcome
    }

    /// Records one write in its own transaction.
    public func record(_ write: LedgerWrite) throws(LedgerError) -> LedgerOutcome {
        try record([write])[0].get()
    }

    private static func apply(_ write: LedgerWrite, in db: any LedgerDatabase, limits: LedgerLimits,
                              readAhead: inout TasksReadAhead) throws -> LedgerOutcome {
        switch write {
        case .event(let event):
            let row = readAhead.take(event.task.id.rawValue)
            return try apply(event, in: db, limits: limits, existing: row)
        case .unrecognized(let callback):
            let row = try db.fetchOne(sql: """
                INSERT INTO unrecognized_callbacks (received_at, peer, reason, body, body_length)
                VALUES (?, ?, ?, ?, ?) RETURNING id
                """, arguments: [
                    callback.receivedAt.timeIntervalSince1970,
                    clipped(callback.peer, to: limits.maxTextBytes),
                    clipped(callback.reason, to: limits.maxTextBytes),
                    callback.body.prefix(limits.maxUnrecognizedBodyBytes),
                    callback.body.count,
                ])
            return .unrecognizedStored(rowID: try insertedID(row))
        case .rejected(let rejected):
            return .rejectedStored(rowID: try insert(rejected, in: db, limits: limits))
        case .submitted(let submitted):
            readAhead.forget(submitted.answer.id.rawValue)
            return try apply(submitted, in: db, limits: limits)
        }
    }

    private static func insert(_ rejected: RejectedBody, in db: any LedgerDatabase, limits: LedgerLimits) throws -> Int64 {
        let row = try db.fetchOne(sql: """
            INSERT INTO rejected_bodies (received_at, peer, status_code, reason, path, body, body_length)
            VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id
            """, arguments: [
                rejected.receivedAt.timeIntervalSince1970,
                clipped(rejected.peer, to: limits.maxTextBytes),
                rejected.statusCode,
                clipped(rejected.reason, to: limits.maxTextBytes),
                clipped(rejected.path, to: limits.maxTextBytes),
                rejected.body.prefix(limits.maxRejectedBodyBytes),
                max(rejected.declaredLength ?? 0, rejected.body.count),
            ])
        return try insertedID(row)
    }

    /// The id an `INSERT … RETURNING id` gave.
    static func insertedID(_ row: SQLRow?) throws -> Int64 {
        guard let id: Int64 = row?[0] else { throw LedgerError.writeFailed(reason: "an insert returned no id") }
        return id
    }

    /// The API's answer to create, recorded as an event from the API, then the task
    /// marked as ours with the request that made it. A callback that raced ahead of this
    /// write has already made the row: it is marked all the same.
    private static func apply(_ submitted: SubmittedTask, in db: any LedgerDatabase, limits: LedgerLimits) throws -> LedgerOutcome {
        let event = TaskEvent(task: submitted.answer, peer: "api (submit)", receivedAt: submitted.submittedAt,
                              trust: .fromAPI)
        guard case .event(var outcome) = try apply(event, in: db, limits: limits, existing: nil) else {
            throw LedgerError.writeFailed(reason: "the submitted task \(submitted.answer.id) was not recorded")
        }
        try db.execute(sql: """
            UPDATE tasks SET submitted_by_us = 1, request_json = ?, estimated_time = coalesce(?, estimated_time)
            WHERE id = ?
            """, arguments: [
                submitted.requestJSON, submitted.answer.object.estimatedTime, submitted.answer.id.rawValue,
            ])
        outcome.submittedByUs = true
        return .event(outcome)
    }

    /// Dedups the event, applies the state machine, and queues the download when the
    /// task reaches `completed` for the first time (or holds it for verification, see
    /// ``EventTrust``).
    ///
    /// The common cases take few statements, because this runs once per callback on the
    /// writer thread: a new task is one read and three inserts (task, event, job); an
    /// event for a known task adds the dedup read and the task's update.
    /// - Parameter readAhead: the task's row when the batch read it ahead
    ///   (``TasksReadAhead``; `.some(nil)`: no row), nil to read it here.
    private static func apply(_ event: TaskEvent, in db: any LedgerDatabase, limits: LedgerLimits,
                              existing readAhead: SQLRow??) throws -> LedgerOutcome {
        let task = event.task
        let id = task.id.rawValue
        let seen = event.receivedAt.timeIntervalSince1970
        let resultsKey = task.results.joined(separator: "\n")

        let existing = try readAhead ?? db.fetchOne(
            sql: "SELECT \(TasksReadAhead.columns) FROM tasks WHERE id = ?", arguments: [id])
        let before = (existing?["status"] as String?).flatMap(TaskStatus.init(rawValue:))
        let submittedByUs: Bool = existing?["submitted_by_us"] ?? false
        let verificationBefore = (existing?["verification"] as String?).flatMap(TaskVerification.init(rawValue:))

        if event.unknownTasks == .refuse && !submittedByUs {
            let rejected = RejectedBody(
                statusCode: 403,
                reason: "task \(id) was not submitted by this daemon, and api.accept_unknown_tasks is false",
                path: "/callbacks/<token>", body: task.rawBody, peer: event.peer, receivedAt: event.receivedAt)
            return .unknownTaskRefused(taskID: task.id, rowID: try insert(rejected, in: db, limits: limits))
        }

        // A task with no row has no events yet (events reference tasks): no dedup to do.
        if let before, let seenBefore = try db.fetchOne(sql: """
                SELECT id, duplicate_count FROM events WHERE task_id = ? AND status = ? AND results_key = ?
                """, arguments: [id, task.status.rawValue, resultsKey]) {
            let eventID: Int64 = seenBefore["id"]
            let duplicates: Int = seenBefore["duplicate_count"]
            try db.execute(sql: """
                UPDATE events SET duplicate_count = duplicate_count + 1, last_seen = \(db.dialect.greatest("last_seen", "?"))
                WHERE id = ?
                """, arguments: [seen, eventID])
            try touchTask(id, seen: seen, in: db)
            return .event(EventOutcome(
                taskID: task.id, eventStatus: task.status, isDuplicate: true, duplicateCount: duplicates + 1,
                statusBefore: before, statusAfter: before, advanced: false, downloadJobCreated: false,
                submittedByUs: submittedByUs, verification: verificationBefore))
        }

        let advanced = task.status.advances(from: before)
        // The first `completed`: queue the download, or hold it until the verifier has
        // asked the API and queues it from the API's own URLs
        // (``Ledger/recordVerification(_:now:)``).
        let videoURL = advanced && task.status == .completed ? task.videoURL : nil
        var verification = verificationBefore
        var held = false
        if videoURL != nil {
            switch event.trust {
            case .unverified: verification = .unverified
            case .fromAPI: verification = .verified
            case .needsVerification:
                held = true
                verification = .pending
            }
        }
        try writeTaskState(task, id: id, before: before, advanced: advanced, seen: seen,
                           verification: videoURL != nil ? verification : nil, in: db)
        try db.execute(sql: """
            INSERT INTO events (task_id, status, results_key, progress, first_seen, last_seen,
                                duplicate_count, applied, raw_body, peer)
            VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
            """, arguments: [
                id, task.status.rawValue, resultsKey, task.object.progress, seen, seen,
                advanced, task.rawBody, event.peer,
            ])
        // The task's row as written above (it advanced, so its body is this event's):
        // what a notification of this change says of it, without reading it back.
        let written = NotifiedTask(status: task.status.rawValue, lastBody: task.rawBody, submittedByUs: submittedByUs,
                                   requestJSON: existing?["request_json"])
        var jobCreated = false
        if let videoURL, !held {
            jobCreated = try queueDownload(id, from: videoURL, in: db, now: seen, known: written, newTask: before == nil)
        }
        // The task's first end that is not a video: the operator's application hears of it.
        if advanced && (task.status == .failed || task.status == .cancelled) {
            try emitNotification(.taskFailed, taskID: id, extra: [("error", .object([
                ("code", task.object.error?.code.map { .string($0.description) } ?? .null),
                ("message", task.object.error?.message.map { .string($0) } ?? .null),
            ]))], now: seen, known: written, in: db)
        }
        return .event(EventOutcome(
            taskID: task.id, eventStatus: task.status, isDuplicate: false, duplicateCount: 0,
            statusBefore: before, statusAfter: advanced ? task.status : before ?? task.status,
            advanced: advanced, downloadJobCreated: jobCreated, downloadHeld: held,
            submittedByUs: submittedByUs, verification: verification))
    }

    /// The task's row after a new (not duplicate) event: inserted for a task not seen
    /// before, replaced when the event advances it, only `last_seen` moved when it is
    /// older. `verification` is set (and the reconciler's schedule reset) when the event
    /// is the task's first `completed`.
    private static func writeTaskState(_ task: ValidatedTask, id: String, before: TaskStatus?, advanced: Bool,
                                       seen: Double, verification: TaskVerification?, in db: any LedgerDatabase) throws {
        let object = task.object
        if before == nil {
            try db.execute(sql: """
                INSERT INTO tasks (id, status, progress, results, error_code, error_message, created,
                                   model, first_seen, last_seen, last_body, estimated_time, verification)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    id, task.status.rawValue, object.progress, try resultsJSON(task.results),
                    object.error?.code?.description, object.error?.message,
                    object.created, object.model, seen, seen, task.rawBody, object.estimatedTime,
                    verification?.rawValue,
                ])
        } else if advanced {
            // The new state replaces the old one; `created`, `model` and the estimated
            // time do not change with the state, so a body without them keeps what an
            // earlier one said.
            try db.execute(sql: """
                UPDATE tasks SET status = ?, progress = ?, results = ?, error_code = ?,
                                 error_message = ?, created = coalesce(?, created),
                                 model = coalesce(?, model), last_body = ?,
                                 estimated_time = coalesce(?, estimated_time), last_seen = \(db.dialect.greatest("last_seen", "?"))
                WHERE id = ?
                """, arguments: [
                    task.status.rawValue, object.progress, try resultsJSON(task.results),
                    object.error?.code?.description, object.error?.message,
                    object.created, object.model, task.rawBody, object.estimatedTime, seen, id,
                ])
            // Once in a task's life (its first `completed`), so a statement of its own.
            if let verification {
                try db.execute(sql: """
                    UPDATE tasks SET verification = ?, next_check_at = NULL, check_attempts = 0, checks_ended_at = NULL
                    WHERE id = ?
                    """, arguments: [verification.rawValue, id])
            }
        } else {
            try touchTask(id, seen: seen, in: db)
        }
    }

    /// Inserts the task's download job unless it has one. The UNIQUE task_id makes a
    /// second job impossible even if the state machine were wrong.
    ///
    /// - Parameter newTask: the task's row was inserted in this transaction: it can have
    ///   no job yet (jobs reference tasks), so the insert is not counted, which would cost
    ///   a round trip on PostgreSQL. (Had another instance inserted the task meanwhile,
    ///   the task's own insert fails and the transaction runs again.)
    static func queueDownload(_ id: String, from url: String, in db: any LedgerDatabase, now: Double,
                              known: NotifiedTask? = nil, newTask: Bool = false) throws -> Bool {
        // Links last 24 hours; counting from `created` errs on the early side. The job's
        // deadline comes from the task row, which keeps `created` from any earlier state.
        try db.execute(sql: """
            INSERT INTO download_jobs (task_id, state, source_url, deadline, attempts, next_attempt_at,
                                       bytes_done, created_at, updated_at)
            SELECT id, 'queued', ?, coalesce(created, ?) + 86400, 0, ?, 0, ?, ?
            FROM tasks WHERE id = ?
            ON CONFLICT (task_id) DO NOTHING
            """, arguments: [url, now, now, now, now, id])
        guard try newTask || db.changesCount == 1 else { return false }
        // Queued once in a task's life: that is when the callback counts as accepted
        // (and, with an API key, confirmed).
        try emitNotification(.taskCompleted, taskID: id, extra: [], now: now, known: known, in: db)
        return true
    }

    private static func touchTask(_ id: String, seen: Double, in db: any LedgerDatabase) throws {
        try db.execute(sql: "UPDATE tasks SET last_seen = \(db.dialect.greatest("last_seen", "?")) WHERE id = ?",
                       arguments: [seen, id])
    }

    private static func keepNewest(_ count: Int, of table: String, in db: any LedgerDatabase) throws {
        try db.execute(sql: "DELETE FROM \(table) WHERE id <= (SELECT max(id) FROM \(table)) - ?",
                       arguments: [count])
    }

    /// The result URLs as a JSON array, for the `results` column.
    static func resultsJSON(_ results: [String]) throws -> String? {
        guard !results.isEmpty else { return nil }
        // A URL almost never holds a character JSON escapes (the intake refuses control
        // characters in them): such an array is only quoted and joined, which costs a
        // fraction of an encoder on the writer thread. Anything else goes through one.
        let plain = results.allSatisfy { url in
            url.utf8.allSatisfy { $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        }
        if plain {
            return "[\"" + results.joined(separator: "\",\"") + "\"]"
        }
        let data = try JSONSerialization.data(withJSONObject: results, options: [.withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// Text cut to at most `bytes` bytes of UTF-8, never inside a character's encoding.
    static func clipped(_ text: String, to bytes: Int) -> String {
        let utf8 = text.utf8
        guard utf8.count > bytes else { return text }
        var end = utf8.index(utf8.startIndex, offsetBy: bytes)
        // A byte 10xxxxxx continues a character begun before it: cut before that one.
        while end > utf8.startIndex && utf8[end] & 0xC0 == 0x80 {
            end = utf8.index(before: end)
        }
        return String(decoding: utf8[..<end], as: UTF8.self)
    }
}
