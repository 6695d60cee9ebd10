import Foundation

/// Instances and their leases (issue 21): every `serve` registers itself in `instances`
/// when it starts and beats there; what it claims (download jobs, deliveries, the
/// reconciler's turn) it holds under a lease of ``LedgerLimits/leaseDuration`` that one
/// transaction renews, with the heartbeat, every third of it (``renewLeases(downloads:deliveries:now:)``).
/// An instance that dies stops renewing: once its leases lapse, the others take its work
/// over. A clean stop gives everything back at once (``releaseInstance(now:)``).
///
/// On SQLite there is one instance at a time, and all of this still runs: the owner
/// columns are set and the leases renewed, so the two backends behave alike.
extension Ledger {
    /// Registers this instance (``instanceID``): `videohookd instances` lists it, alive
    /// while it beats within its lease. Rows of instances not heard of for a week go. On
    /// SQLite, where one process owns the state folder, the singleton leases an earlier
    /// process left (killed before it could give them back) go too, as its running jobs
    /// are put back at start.
    public func registerInstance(host: String, pid: Int, version: String?, now: Date = Date()) throws(LedgerError) {
        let seconds = now.timeIntervalSince1970
        let id = instanceID
        let lease = limits.leaseDuration
        try writeTransaction { db in
            if db.dialect == .sqlite {
                try db.execute(sql: "DELETE FROM leases WHERE owner <> ?", arguments: [id])
            }
            try db.execute(sql: "DELETE FROM instances WHERE id <> ? AND heartbeat_at < ?",
                           arguments: [id, seconds - Self.forgetInstancesAfter])
            try db.execute(sql: """
                INSERT INTO instances (id, host, pid, version, started_at, heartbeat_at, lease_seconds)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, stopped_at = NULL
                """, arguments: [id, host, pid, version, seconds, seconds, lease])
        }
    }

    /// How long a row of `instances` is kept after its last heartbeat.
    static let forgetInstancesAfter: Double = 7 * 86_400

    /// One transaction, every third of the lease: this instance's heartbeat, and the
    /// leases of what it works on (`downloads`: task ids; `deliveries`: delivery ids; every
    /// singleton it holds) moved to `now` + the lease. Says what another instance took
    /// over meanwhile (the worker stops it), and puts back this instance's own `running`
    /// rows that nobody here works on any more and whose lease lapsed (a worker that
    /// could not record its ending).
    public func renewLeases(downloads: Set<String>, deliveries: Set<Int64>,
                            now: Date = Date()) throws(LedgerError) -> LeaseRenewal {
        let seconds = now.timeIntervalSince1970
        let until = seconds + limits.leaseDuration
        let owner = instanceID
        let jobs = downloads.sorted()
        let sends = deliveries.sorted()
        return try writeTransaction { db in
            var renewal = LeaseRenewal()
            try db.execute(sql: "UPDATE instances SET heartbeat_at = ?, stopped_at = NULL WHERE id = ?",
                           arguments: [seconds, owner])
            renewal.registered = try db.changesCount == 1
            if !jobs.isEmpty {
                let list = Self.placeholders(jobs.count)
                try db.execute(sql: """
                    UPDATE download_jobs SET lease_until = ? WHERE owner = ? AND state = 'running' AND task_id IN (\(list))
                    """, arguments: [until, owner] + Self.bound(jobs))
                for row in try db.fetchAll(sql: """
                    SELECT task_id, owner FROM download_jobs WHERE task_id IN (\(list)) AND owner <> ?
                    """, arguments: Self.bound(jobs) + [owner]) {
                    renewal.takenDownloads[try row.text("task_id")] = try row.text("owner")
                }
            }
            if !sends.isEmpty {
                let list = Self.placeholders(sends.count)
                try db.execute(sql: """
                    UPDATE notification_deliveries SET lease_until = ? WHERE owner = ? AND state = 'running' AND id IN (\(list))
                    """, arguments: [until, owner] + Self.bound(sends))
                for row in try db.fetchAll(sql: """
                    SELECT id, owner FROM notification_deliveries WHERE id IN (\(list)) AND owner <> ?
                    """, arguments: Self.bound(sends) + [owner]) {
                    renewal.takenDeliveries[row["id"] as Int64] = try row.text("owner")
                }
            }
            try db.execute(sql: "UPDATE leases SET until = ? WHERE owner = ?", arguments: [until, owner])
            renewal.leases = Set(try db.fetchColumn(String.self, sql: "SELECT name FROM leases WHERE owner = ?",
                                                    arguments: [owner]))
            // Own rows that lapsed and are not among the work in hand: nobody renews them.
            let heldJobs = jobs.isEmpty ? "" : " AND task_id NOT IN (\(Self.placeholders(jobs.count)))"
            try db.execute(sql: """
                UPDATE download_jobs SET state = 'queued', owner = NULL, lease_until = NULL,
                    next_attempt_at = \(db.dialect.least("next_attempt_at", "?")), updated_at = ?
                WHERE owner = ? AND state = 'running' AND lease_until < ?\(heldJobs)
                """, arguments: [seconds, seconds, owner, seconds] + Self.bound(jobs))
            renewal.requeuedDownloads = try db.changesCount
            let heldSends = sends.isEmpty ? "" : " AND id NOT IN (\(Self.placeholders(sends.count)))"
            try db.execute(sql: """
                UPDATE notification_deliveries SET state = 'pending', owner = NULL, lease_until = NULL, updated_at = ?
                WHERE owner = ? AND state = 'running' AND lease_until < ?\(heldSends)
                """, arguments: [seconds, owner, seconds] + Self.bound(sends))
            renewal.requeuedDeliveries = try db.changesCount
            return renewal
        }
    }

    /// Takes the singleton lease `name` (the reconciler's turn) when it is free, lapsed,
    /// or this instance's already (then it is renewed): one instance at a time does what
    /// it guards. ``renewLeases(downloads:deliveries:now:)`` renews it from then on.
    /// With `takingOver` false a lapsed lease of another instance is left alone (see
    /// ``claimNextDownload(now:takingOver:)``).
    public func takeLease(_ name: String, now: Date = Date(), takingOver: Bool = true) throws(LedgerError) -> LeaseTake {
        let seconds = now.timeIntervalSince1970
        let owner = instanceID
        let until = seconds + limits.leaseDuration
        return try writeTransaction { db in
            let current = try db.fetchOne(sql: "SELECT owner, until FROM leases WHERE name = ?", arguments: [name])
            try db.execute(sql: """
                INSERT INTO leases (name, owner, until) VALUES (?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until
                WHERE leases.owner = excluded.owner OR (? = 1 AND leases.until < ?)
                """, arguments: [name, owner, until, takingOver ? 1 : 0, seconds])
            if try db.changesCount == 1 {
                let previous: String? = current?["owner"]
                return .held(takenOverFrom: previous == owner ? nil : previous)
            }
            return .heldElsewhere(owner: try current?.text("owner") ?? "unknown",
                                  until: current?.optionalDate("until") ?? now)
        }
    }

    /// A clean stop: every `running` job and delivery of this instance back to queued
    /// (due now) and pending, without an owner, its singleton leases given up, and the
    /// instance marked stopped. What its workers could not give back themselves (they
    /// usually do) is free for the others at once, not after the lease.
    @discardableResult
    public func releaseInstance(now: Date = Date()) throws(LedgerError) -> ReleasedWork {
        let seconds = now.timeIntervalSince1970
        let owner = instanceID
        return try writeTransaction { db in
            var released = ReleasedWork()
            try db.execute(sql: """
                UPDATE download_jobs SET state = 'queued', owner = NULL, lease_until = NULL,
                    next_attempt_at = \(db.dialect.least("next_attempt_at", "?")), updated_at = ?
                WHERE owner = ? AND state = 'running'
                """, arguments: [seconds, seconds, owner])
            released.downloads = try db.changesCount
            try db.execute(sql: """
                UPDATE notification_deliveries SET state = 'pending', owner = NULL, lease_until = NULL, updated_at = ?
                WHERE owner = ? AND state = 'running'
                """, arguments: [seconds, owner])
            released.deliveries = try db.changesCount
            try db.execute(sql: "DELETE FROM leases WHERE owner = ?", arguments: [owner])
            released.leases = try db.changesCount
            try db.execute(sql: "UPDATE instances SET stopped_at = ?, heartbeat_at = ? WHERE id = ?",
                           arguments: [seconds, seconds, owner])
            return released
        }
    }

    /// Every instance the ledger knows, the newest first, with what each holds now:
    /// `videohookd instances`.
    public func instances(now: Date = Date()) throws(LedgerError) -> [InstanceRecord] {
        let seconds = now.timeIntervalSince1970
        return try readTransaction { db in
            var records = try db.fetchAll(sql: "SELECT * FROM instances ORDER BY started_at DESC, id")
                .map { try InstanceRecord(row: $0, now: seconds) }
            var index: [String: Int] = [:]
            for (position, record) in records.enumerated() { index[record.id] = position }
            for row in try db.fetchAll(sql: """
                SELECT owner, task_id, lease_until FROM download_jobs WHERE owner IS NOT NULL AND state = 'running'
                ORDER BY task_id
                """) {
                guard let position = index[try row.text("owner")] else { continue }
                records[position].downloads.append(InstanceRecord.HeldWork(
                    name: try row.text("task_id"), leaseUntil: row.optionalDate("lease_until")))
            }
            for row in try db.fetchAll(sql: """
                SELECT d.owner, d.target, d.lease_until, e.id AS event_id FROM notification_deliveries d
                JOIN notification_events e ON e.seq = d.event_seq
                WHERE d.owner IS NOT NULL AND d.state = 'running' ORDER BY d.id
                """) {
                guard let position = index[try row.text("owner")] else { continue }
                records[position].deliveries.append(InstanceRecord.HeldWork(
                    name: "\(try row.text("event_id")) to \(try row.text("target"))",
                    leaseUntil: row.optionalDate("lease_until")))
            }
            for row in try db.fetchAll(sql: "SELECT name, owner, until FROM leases ORDER BY name") {
                guard let position = index[try row.text("owner")] else { continue }
                records[position].leases.append(InstanceRecord.HeldWork(name: try row.text("name"),
                                                                         leaseUntil: row.optionalDate("until")))
            }
            return records
        }
    }

    static func bound<T: SQLBindable>(_ values: [T]) -> SQLArguments {
        values.map { $0 as (any SQLBindable)? }
    }

    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}

/// What one renewal found (``Ledger/renewLeases(downloads:deliveries:now:)``).
public struct LeaseRenewal: Sendable, Equatable {
    /// The instance's row was there to beat in (false: someone removed it).
    public var registered = false
    /// Jobs among those in hand that another instance holds now (task id → its owner):
    /// their workers stop without a further write.
    public var takenDownloads: [String: String] = [:]
    /// The same for deliveries (delivery id → owner).
    public var takenDeliveries: [Int64: String] = [:]
    /// The singleton leases this instance still holds.
    public var leases: Set<String> = []
    /// This instance's own lapsed `running` rows that nobody here worked on, put back.
    public var requeuedDownloads = 0
    public var requeuedDeliveries = 0

    public init() {}
}

/// The outcome of ``Ledger/takeLease(_:now:)``.
public enum LeaseTake: Sendable, Equatable {
    /// This instance holds it now; `takenOverFrom` names the previous holder when its
    /// lease had lapsed.
    case held(takenOverFrom: String?)
    /// Another instance holds it, until `until` unless it renews.
    case heldElsewhere(owner: String, until: Date)

    public var isHeld: Bool {
        if case .held = self { true } else { false }
    }
}

/// What ``Ledger/releaseInstance(now:)`` gave back.
public struct ReleasedWork: Sendable, Equatable {
    public var downloads = 0
    public var deliveries = 0
    public var leases = 0
}

/// One `serve` that ran on this ledger, as `videohookd instances` shows it.
public struct InstanceRecord: Sendable, Equatable, Encodable {
    public enum State: String, Sendable, Encodable {
        /// Beating within its lease.
        case alive
        /// Not stopped, but silent for longer than its lease: dead (killed, crashed,
        /// cut off from the database); what it held is being taken over.
        case lapsed
        /// Stopped cleanly: it gave its work back.
        case stopped
    }

    /// A job, a delivery or a singleton an instance holds, with its lease.
    public struct HeldWork: Sendable, Equatable, Encodable {
        /// A task id, `evt_… to <target>`, or a lease's name (`reconciler`).
        public var name: String
        public var leaseUntil: Date?
    }

    public var id: String
    public var host: String
    public var pid: Int
    public var version: String?
    public var startedAt: Date
    public var heartbeatAt: Date
    public var stoppedAt: Date?
    public var leaseSeconds: Double
    public var state: State
    /// Seconds since the last heartbeat, when the list was read.
    public var heartbeatAge: Double
    public var downloads: [HeldWork] = []
    public var deliveries: [HeldWork] = []
    public var leases: [HeldWork] = []

    init(row: SQLRow, now: Double) throws {
        id = try row.text("id")
        host = try row.text("host")
        pid = row["pid"]
        version = row["version"]
        startedAt = try row.date("started_at")
        heartbeatAt = try row.date("heartbeat_at")
        stoppedAt = row.optionalDate("stopped_at")
        leaseSeconds = row["lease_seconds"]
        heartbeatAge = max(0, now - heartbeatAt.timeIntervalSince1970)
        state = stoppedAt != nil ? .stopped : heartbeatAge > leaseSeconds ? .lapsed : .alive
    }
}
