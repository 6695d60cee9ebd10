import Foundation
import Outbox
import VideoAPI

/// The outbox: notification events written in the transaction of the change that causes
/// them, fanned out to one delivery per active target, and the notifier's queue.
extension Ledger {
    // MARK: Writing events (inside another write's transaction)

    /// Adds `type` for `taskID` to the outbox, with a delivery for every active target
    /// that takes it. Runs inside the caller's transaction: the event commits with the
    /// change that caused it, or neither does.
    ///
    /// - Parameter known: the task's row as the caller has just written it, which saves
    ///   reading it back (the intake's path, once per completed callback); nil reads it.
    static func emitNotification(_ type: NotificationEventType, taskID: String, extra: [(String, NotificationBody.Value)],
                                 now: Double, known: NotifiedTask? = nil, in db: any LedgerDatabase) throws {
        let task: NotifiedTask
        if let known {
            task = known
        } else {
            guard let row = try db.fetchOne(sql: """
                SELECT status, last_body, submitted_by_us, request_json FROM tasks WHERE id = ?
                """, arguments: [taskID]) else { return }
            task = NotifiedTask(status: try row.text("status"), lastBody: row["last_body"],
                                submittedByUs: row["submitted_by_us"] ?? false, requestJSON: row["request_json"])
        }
        var data: [(String, NotificationBody.Value)] = [
            ("task_id", .string(taskID)),
            ("status", .string(task.status)),
            // Both were parsed as JSON before the ledger kept them: spliced without a check.
            ("task", task.lastBody.map { .json(Array($0)) } ?? .null),
        ]
        data += extra
        if task.submittedByUs, let request = task.requestJSON {
            data.append(("submitted_request", .json(Array(request.utf8))))
        }
        let body = NotificationBody.encode(type: type, timestamp: Date(timeIntervalSince1970: now), data: data)
        // The deliveries find the event by its id, known here, rather than by the `seq`
        // the insert would return: so neither statement has an answer to wait for, and on
        // PostgreSQL both go with the batch's other writes (``PostgresLedgerDatabase``).
        let eventID = NotificationEventID.make()
        try db.execute(sql: """
            INSERT INTO notification_events (id, type, task_id, created_at, body) VALUES (?, ?, ?, ?, ?)
            """, arguments: [eventID, type.name, taskID, now, Data(body)])
        try db.execute(sql: """
            INSERT INTO notification_deliveries (event_seq, target, next_attempt_at, created_at, updated_at)
            SELECT e.seq, t.key, ?, ?, ? FROM notification_events e, notification_targets t
            WHERE e.id = ? AND t.active = 1 AND \(db.dialect.contains("t.events", "',' || ? || ','"))
            """, arguments: [now, now, now, eventID, type.name])
    }

    /// Lets the notifier know that a commit added events.
    public func onNotificationsCommitted(_ handler: (@Sendable () -> Void)?) {
        outboxHook.set(handler)
    }

    // MARK: Targets

    /// Makes `targets` the active ones (`serve` at start and on SIGHUP): later events go
    /// to them. A target that left keeps its rows; its pending deliveries wait for it.
    /// Returns the keys that were active before, so that the caller can tell when this
    /// changed what another instance had set.
    ///
    /// Several instances on one ledger share one set of active targets, and this one
    /// replaces it whole: the last instance to start or reload decides which targets
    /// new events go to. With the same `notify` settings on every instance (as the
    /// deployment documents) each writes the same set and nothing changes; with differing
    /// ones, `serve` warns (`notify.targets_differ`), and each instance delivers only to
    /// the targets it has (``claimNextDelivery(now:targets:)``).
    @discardableResult
    public func setNotificationTargets(_ targets: [NotificationTarget]) throws(LedgerError) -> Set<String> {
        let previous = try writeTransaction { db -> Set<String> in
            let previous = Set(try db.fetchColumn(String.self, sql: "SELECT key FROM notification_targets WHERE active = 1"))
            try db.execute(sql: "UPDATE notification_targets SET active = 0 WHERE active = 1")
            for target in targets {
                let events = "," + target.events.sorted().map(\.name).joined(separator: ",") + ","
                try db.execute(sql: """
                    INSERT INTO notification_targets (key, events, active) VALUES (?, ?, 1)
                    ON CONFLICT (key) DO UPDATE SET events = excluded.events, active = 1
                    """, arguments: [target.key, events])
            }
            return previous
        }
        outboxHook.setTargetsActive(!targets.isEmpty)
        return previous
    }

    // MARK: The notifier's queue

    /// Deliveries that were running when the daemon stopped go back to pending (their
    /// attempt did not finish; at-least-once means it is made again), without an owner.
    /// On a shared ledger only those nobody works on, as for download jobs
    /// (``requeueRunningDownloads(now:)``): another live instance's are left to it.
    public func requeueRunningDeliveries(now: Date = Date()) throws(LedgerError) -> Int {
        let seconds = now.timeIntervalSince1970
        return try writeTransaction { db in
            let (abandoned, arguments) = abandonedRunning(now: seconds, in: db)
            try db.execute(sql: """
                UPDATE notification_deliveries SET state = 'pending', owner = NULL, lease_until = NULL, updated_at = ?
                WHERE state = 'running'\(abandoned)
                """, arguments: [seconds] + arguments)
            return try db.changesCount
        }
    }

    /// The pending delivery due soonest whose target is active, marked running, owned by
    /// this instance under a lease; a delivery another instance was making whose lease
    /// lapsed is taken over (``DeliveryClaim/takenOverFrom``), and made again.
    ///
    /// - Parameters:
    ///   - targets: the targets this instance can deliver to (its settings'): deliveries
    ///     to others are left to the instances that have them. Nil: any.
    ///   - takingOver: false leaves lapsed deliveries alone, as for download jobs
    ///     (``claimNextDownload(now:takingOver:)``).
    public func claimNextDelivery(now: Date = Date(), targets: Set<String>? = nil,
                                  takingOver: Bool = true) throws(LedgerError) -> DeliveryClaim? {
        let seconds = now.timeIntervalSince1970
        let owner = instanceID
        let until = seconds + limits.leaseDuration
        let lapsed = takingOver ? "\n                       OR (d.state = 'running' AND d.lease_until < ? AND d.owner <> ?)" : ""
        let lapsedArguments: SQLArguments = takingOver ? [seconds, owner] : []
        if let targets, targets.isEmpty { return nil }
        let own = targets.map { " AND d.target IN (\(Array(repeating: "?", count: $0.count).joined(separator: ", ")))" } ?? ""
        let ownArguments: SQLArguments = targets.map { $0.sorted().map { $0 as (any SQLBindable)? } } ?? []
        return try claimTransaction { db -> DeliveryClaim? in
            guard let row = try db.fetchOne(sql: """
                SELECT d.id, d.target, d.attempts, d.state, d.owner, e.id AS event_id, e.type, e.task_id, e.body,
                       e.created_at
                FROM notification_deliveries d JOIN notification_events e ON e.seq = d.event_seq
                WHERE ((d.state = 'pending' AND d.next_attempt_at <= ?)\(lapsed))
                  AND d.target IN (SELECT key FROM notification_targets WHERE active = 1)\(own)
                ORDER BY d.next_attempt_at, d.id LIMIT 1\(db.dialect.skipLocked(of: "d"))
                """, arguments: [seconds] + lapsedArguments + ownArguments) else { return nil }
            let id: Int64 = row["id"]
            try db.execute(sql: """
                UPDATE notification_deliveries SET state = 'running', owner = ?, lease_until = ?, updated_at = ? WHERE id = ?
                """, arguments: [owner, until, seconds, id])
            let wasRunning = (row["state"] as String?) == "running"
            return DeliveryClaim(
                deliveryID: id, target: try row.text("target"), attempt: (row["attempts"] as Int) + 1,
                eventID: try row.text("event_id"),
                type: NotificationEventType(rawValue: try row.text("type")) ?? .taskCompleted,
                taskID: try row.text("task_id"), body: Array(row["body"] as Data),
                eventCreatedAt: try row.date("created_at"), takenOverFrom: wasRunning ? row["owner"] : nil)
        }
    }

    /// When the next pending delivery of an active target falls due; nil when none waits.
    public func nextDeliveryDue() throws(LedgerError) -> Date? {
        try readTransaction { db in
            try db.fetchScalar(Double.self, sql: """
                SELECT min(next_attempt_at) FROM notification_deliveries
                WHERE state = 'pending' AND target IN (SELECT key FROM notification_targets WHERE active = 1)
                """).map(Date.init(timeIntervalSince1970:))
        }
    }

    /// Records one attempt and moves the delivery on: delivered, pending again at
    /// `outcome`'s time, or failed for good. Refused (``LedgerError/leaseLost(reason:)``,
    /// nothing recorded) when another instance took the delivery over meanwhile: that
    /// one makes it again.
    public func recordDeliveryAttempt(_ claim: DeliveryClaim, _ attempt: DeliveryAttempt,
                                      now: Date = Date()) throws(LedgerError) {
        let seconds = now.timeIntervalSince1970
        let owner = instanceID
        try writeTransaction { db in
            let (outcome, state, next, finished): (String, String, Double, Double?) = switch attempt.outcome {
            case .delivered: ("delivered", "delivered", seconds, seconds)
            case .retry(let at): ("retry", "pending", at.timeIntervalSince1970, nil)
            case .failed: ("failed", "failed", seconds, seconds)
            }
            let error = attempt.error.map { Self.clipped($0, to: limits.maxTextBytes) }
            try db.execute(sql: """
                UPDATE notification_deliveries SET state = ?, attempts = attempts + 1, next_attempt_at = ?,
                    last_error = ?, updated_at = ?, finished_at = ?, owner = NULL, lease_until = NULL
                WHERE id = ? AND \(Self.ownedByFence)
                """, arguments: [state, next, error, seconds, finished, claim.deliveryID, owner])
            try Self.requireDeliveryWritten(claim, owner: owner, in: db)
            try db.execute(sql: """
                INSERT INTO notification_attempts (delivery_id, attempt, started_at, duration_ms, outcome,
                                                   http_status, exit_code, error, output)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    claim.deliveryID, claim.attempt, attempt.startedAt.timeIntervalSince1970, attempt.durationMilliseconds,
                    outcome, attempt.httpStatus, attempt.exitCode, error,
                    attempt.output.map { Self.clipped($0, to: 4096) },
                ])
        }
    }

    /// Back to pending without counting an attempt: the daemon is stopping. Refused like
    /// ``recordDeliveryAttempt(_:_:now:)`` when another instance took it over.
    public func releaseDelivery(_ claim: DeliveryClaim, now: Date = Date()) throws(LedgerError) {
        let owner = instanceID
        try writeTransaction { db in
            try db.execute(sql: """
                UPDATE notification_deliveries SET state = 'pending', owner = NULL, lease_until = NULL, updated_at = ?
                WHERE id = ? AND \(Self.ownedByFence)
                """, arguments: [now.timeIntervalSince1970, claim.deliveryID, owner])
            try Self.requireDeliveryWritten(claim, owner: owner, in: db)
        }
    }

    /// After a fenced UPDATE of one delivery: nothing changed means another instance
    /// holds it (or it is gone).
    private static func requireDeliveryWritten(_ claim: DeliveryClaim, owner: String, in db: any LedgerDatabase) throws {
        guard try db.changesCount != 1 else { return }
        let holder = try db.fetchScalar(String.self, sql: "SELECT owner FROM notification_deliveries WHERE id = ?",
                                        arguments: [claim.deliveryID])
        guard let holder else {
            throw LedgerError.writeFailed(reason: "no delivery \(claim.deliveryID)")
        }
        throw LedgerError.leaseLost(reason: "the delivery of \(claim.eventID) to \(claim.target) was taken over by instance \(holder)")
    }

    /// For the metrics: the oldest pending delivery's event time, and deliveries by
    /// target and state.
    public func deliveryStatistics() throws(LedgerError) -> DeliveryStatistics {
        try readTransaction { db in
            var statistics = DeliveryStatistics()
            statistics.oldestPending = try db.fetchScalar(Double.self, sql: """
                SELECT min(e.created_at) FROM notification_deliveries d JOIN notification_events e ON e.seq = d.event_seq
                WHERE d.state IN ('pending', 'running')
                """).map(Date.init(timeIntervalSince1970:))
            for row in try db.fetchAll(sql: """
                SELECT target, state, count(*) AS n FROM notification_deliveries GROUP BY target, state
                """) {
                statistics.byTargetAndState[DeliveryStatistics.Key(target: try row.text("target"),
                                                                   state: try row.text("state"))] = row["n"]
            }
            return statistics
        }
    }

    // MARK: Reading and replaying (`videohookd events`)

    /// Events, newest first, with their deliveries; filtered by what the events command asks.
    public func notificationEvents(status: NotificationEventStatus? = nil, taskID: String? = nil,
                                   limit: Int = 200) throws(LedgerError) -> [NotificationEventRecord] {
        try readTransaction { db in
            var conditions: [String] = []
            var arguments: SQLArguments = []
            if let taskID {
                conditions.append("e.task_id = ?")
                arguments.append(taskID)
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let rows = try db.fetchAll(sql: """
                SELECT e.seq, e.id, e.type, e.task_id, e.created_at FROM notification_events e \(filter)
                ORDER BY e.seq DESC
                """, arguments: arguments)
            var records: [NotificationEventRecord] = []
            for row in rows {
                let record = try NotificationEventRecord(row: row, deliveries: try Self.deliveries(of: row["seq"], in: db))
                if let status, record.status != status { continue }
                records.append(record)
                if records.count == limit { break }
            }
            return records
        }
    }

    /// One event with its body, its deliveries and every attempt.
    public func notificationEvent(id: String) throws(LedgerError) -> NotificationEventDetail? {
        try readTransaction { db in
            guard let row = try db.fetchOne(sql: """
                SELECT seq, id, type, task_id, created_at, body FROM notification_events WHERE id = ?
                """, arguments: [id]) else { return nil }
            let seq: Int64 = row["seq"]
            let record = try NotificationEventRecord(row: row, deliveries: try Self.deliveries(of: seq, in: db))
            let attempts = try db.fetchAll(sql: """
                SELECT d.target, a.attempt, a.started_at, a.duration_ms, a.outcome, a.http_status, a.exit_code,
                       a.error, a.output
                FROM notification_attempts a JOIN notification_deliveries d ON d.id = a.delivery_id
                WHERE d.event_seq = ? ORDER BY a.started_at, a.id
                """, arguments: [seq]).map(NotificationAttemptRecord.init(row:))
            return NotificationEventDetail(event: record, body: Array(row["body"] as Data), attempts: attempts)
        }
    }

    /// Queues events again (`events replay`): every delivery of each back to pending, due
    /// now, attempts from 0; an active target that the event never went to gets one
    /// too. The event keeps its id and body. Returns the deliveries queued.
    public func replayNotifications(_ selection: ReplaySelection, now: Date = Date()) throws(LedgerError) -> Int {
        let seconds = now.timeIntervalSince1970
        let count = try writeTransaction { db -> Int in
            let seqs: [Int64] = switch selection {
            case .event(let id):
                try db.fetchColumn(Int64.self, sql: "SELECT seq FROM notification_events WHERE id = ?", arguments: [id])
            case .task(let taskID):
                try db.fetchColumn(Int64.self, sql: "SELECT seq FROM notification_events WHERE task_id = ?", arguments: [taskID])
            case .failed:
                try db.fetchColumn(Int64.self, sql: "SELECT DISTINCT event_seq FROM notification_deliveries WHERE state = 'failed'")
            }
            var queued = 0
            for seq in seqs {
                let stateFilter = selection == .failed ? "AND state = 'failed'" : "AND state != 'running'"
                try db.execute(sql: """
                    UPDATE notification_deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?,
                        updated_at = ?, finished_at = NULL
                    WHERE event_seq = ? \(stateFilter)
                    """, arguments: [seconds, seconds, seq])
                queued += try db.changesCount
                if selection != .failed {
                    try db.execute(sql: """
                        INSERT INTO notification_deliveries (event_seq, target, next_attempt_at, created_at, updated_at)
                        SELECT e.seq, t.key, ?, ?, ? FROM notification_events e, notification_targets t
                        WHERE e.seq = ? AND t.active = 1 AND \(db.dialect.contains("t.events", "',' || e.type || ','"))
                        ON CONFLICT (event_seq, target) DO NOTHING
                        """, arguments: [seconds, seconds, seconds, seq])
                    queued += try db.changesCount
                }
            }
            return queued
        }
        if count > 0 { outboxHook.fire() }
        return count
    }

    /// A task's events, oldest first, with their deliveries, inside a read of its story.
    static func notificationEvents(taskID: String, in db: any LedgerDatabase) throws -> [NotificationEventRecord] {
        try db.fetchAll(sql: """
            SELECT seq, id, type, task_id, created_at FROM notification_events WHERE task_id = ? ORDER BY seq
            """, arguments: [taskID]).map { row in
            try NotificationEventRecord(row: row, deliveries: try deliveries(of: row["seq"], in: db))
        }
    }

    private static func deliveries(of seq: Int64, in db: any LedgerDatabase) throws -> [NotificationDeliveryRecord] {
        try db.fetchAll(sql: """
            SELECT target, state, attempts, next_attempt_at, last_error, finished_at
            FROM notification_deliveries WHERE event_seq = ? ORDER BY id
            """, arguments: [seq]).map(NotificationDeliveryRecord.init(row:))
    }
}

/// What a notification's body says of its task: the columns of its row the body is made of.
struct NotifiedTask {
    var status: String
    var lastBody: Data?
    var submittedByUs: Bool
    var requestJSON: String?
}
