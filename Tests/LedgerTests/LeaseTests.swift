import Foundation
import Outbox
import Testing
@testable import Ledger
import TestSupport
import VideoAPI

/// Leases (issue 21): two `Ledger`s on one ledger are two instances, each claiming as
/// its own ``Ledger/instanceID``. Times are given (`now:`), never slept: a lease of 30 s
/// lapses at t0 + 30 whatever the clock says.
@Suite("Leases: claims with an owner, renewed, taken over once lapsed, fenced")
struct LeaseTests {
    let directory = TemporaryDirectory()
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let target = NotificationTarget(key: "webhook https://app.test/hooks", events: Set(NotificationEventType.allCases))

    /// Two instances on the ledger under test (one SQLite file, or one database), with a
    /// completed task `t1` (its download job queued, `task.completed` for the target).
    func twoInstances(tasks: [String] = ["t1"]) throws -> (Ledger, Ledger) {
        let first = try directory.openLedger()
        let second = try directory.openLedger()
        try first.setNotificationTargets([Self.target])
        for id in tasks {
            _ = try first.record(try TaskBody.event(id: id, status: .completed, at: t0))
        }
        return (first, second)
    }

    func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    func expectLeaseLost(_ sourceLocation: SourceLocation = #_sourceLocation, _ write: () throws -> Void) {
        do {
            try write()
            Issue.record("the write went through", sourceLocation: sourceLocation)
        } catch let error as LedgerError {
            #expect(error.isLeaseLost, "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("a claim records its owner and a lease of leaseDuration; the instance ids differ")
    func claimOwnerAndLease() throws {
        let (a, b) = try twoInstances()
        #expect(a.instanceID != b.instanceID && a.instanceID.hasPrefix("inst_") && a.instanceID.count == 21)
        let claim = try #require(try a.claimNextDownload(now: at(1)))
        #expect(claim.takenOverFrom == nil)
        #expect(claim.job.owner == a.instanceID && claim.job.leaseUntil == at(31))
        let job = try #require(try b.downloadJob(taskID: "t1"))
        #expect(job.state == .running && job.owner == a.instanceID && job.leaseUntil == at(31))
        // Held: the other instance finds nothing to do before the lease lapses.
        #expect(try b.claimNextDownload(now: at(30)) == nil)
        // The owner's own writes go through, and an ending gives the job up.
        try a.recordDownloadProgress(taskID: "t1", bytesDone: 4096, now: at(2))
        try a.scheduleDownloadRetry(taskID: "t1", reason: "HTTP 503", nextAttemptAt: at(3), now: at(2))
        let queued = try #require(try b.downloadJob(taskID: "t1"))
        #expect(queued.state == .queued && queued.owner == nil && queued.leaseUntil == nil)
        #expect(try b.claimNextDownload(now: at(4))?.job.owner == b.instanceID)
    }

    @Test("a lapsed lease is taken over by another instance, naming the previous owner; never by the owner itself")
    func takeover() throws {
        let (a, b) = try twoInstances()
        _ = try #require(try a.claimNextDownload(now: at(0)))
        try a.recordDownloadProgress(taskID: "t1", bytesDone: 10_000, now: at(1))
        #expect(try a.claimNextDownload(now: at(40)) == nil, "the owner does not take its own job twice")
        let taken = try #require(try b.claimNextDownload(now: at(30.5)))
        #expect(taken.takenOverFrom == a.instanceID)
        #expect(taken.job.owner == b.instanceID && taken.job.leaseUntil == at(60.5))
        #expect(taken.job.bytesDone == 10_000, "the new owner resumes from what was recorded")
        #expect(taken.job.state == .running && taken.job.attempts == 0)
        #expect(try a.nextDownloadDue() == at(60.5), "the old owner would wake when the new lease lapses")
    }

    @Test("takingOver: false (an instance just back from an outage) claims queued work only, and leaves a lapsed lease alone")
    func noTakeoverWhileRecovering() throws {
        let (a, b) = try twoInstances(tasks: ["t1", "t2"])
        let held = try #require(try a.claimNextDownload(now: at(0)))
        _ = try #require(try a.claimNextDelivery(now: at(0)))
        #expect(try a.takeLease("reconciler", now: at(0)).isHeld)
        let queued = try #require(try b.claimNextDownload(now: at(40), takingOver: false))
        #expect(queued.takenOverFrom == nil && queued.job.taskID != held.job.taskID)
        #expect(try b.claimNextDownload(now: at(40), takingOver: false) == nil, "the lapsed one is left")
        #expect(try b.takeLease("reconciler", now: at(40), takingOver: false).isHeld == false)
        #expect(try b.takeLease("fresh", now: at(40), takingOver: false) == .held(takenOverFrom: nil), "a free one is taken")
        let lapsedDelivery = try b.claimNextDelivery(now: at(40), takingOver: false)
        #expect(lapsedDelivery == nil || lapsedDelivery?.takenOverFrom == nil)
        #expect(try b.claimNextDownload(now: at(40))?.takenOverFrom == a.instanceID)
    }

    @Test("renewal moves the leases of the work in hand on; a takeover then waits for the new lease")
    func renewal() throws {
        let (a, b) = try twoInstances()
        try a.registerInstance(host: "a", pid: 1, version: nil, now: at(0))
        _ = try #require(try a.claimNextDownload(now: at(0)))
        let renewal = try a.renewLeases(downloads: ["t1"], deliveries: [], now: at(25))
        #expect(renewal.registered && renewal.takenDownloads.isEmpty && renewal.requeuedDownloads == 0)
        #expect(try b.downloadJob(taskID: "t1")?.leaseUntil == at(55))
        #expect(try b.claimNextDownload(now: at(31)) == nil)
        let taken = try #require(try b.claimNextDownload(now: at(56)))
        #expect(taken.takenOverFrom == a.instanceID)
        // The old owner's next renewal says so: its worker stops the job.
        let after = try a.renewLeases(downloads: ["t1"], deliveries: [], now: at(57))
        #expect(after.takenDownloads == ["t1": b.instanceID])
        #expect(try b.downloadJob(taskID: "t1")?.leaseUntil == at(86), "not renewed by the old owner")
    }

    @Test("an owner's lapsed job that no worker of its holds any more is put back by its own renewal")
    func ownStaleRequeued() throws {
        let (a, b) = try twoInstances(tasks: ["t1", "t2"])
        _ = try #require(try a.claimNextDownload(now: at(0)))
        _ = try #require(try a.claimNextDownload(now: at(0)))
        // t1 is in hand; t2's worker ended without recording it (the ledger was down).
        let renewal = try a.renewLeases(downloads: ["t1"], deliveries: [], now: at(10))
        #expect(renewal.requeuedDownloads == 0, "t2's lease has not lapsed yet")
        let later = try a.renewLeases(downloads: ["t1"], deliveries: [], now: at(31))
        #expect(later.requeuedDownloads == 1)
        #expect(try b.downloadJob(taskID: "t2")?.state == .queued && (try b.downloadJob(taskID: "t2"))?.owner == nil)
        #expect(try b.downloadJob(taskID: "t1")?.owner == a.instanceID)
    }

    @Test("fencing: once taken over, every write of the old owner about the job is refused as leaseLost and changes nothing")
    func fencing() throws {
        let (a, b) = try twoInstances()
        _ = try #require(try a.claimNextDownload(now: at(0)))
        _ = try a.beginObjectUpload(taskID: "t1", bucket: "videos", key: "t1.mp4", uploadID: "u1", partSize: 5 << 20,
                                    now: at(1))
        try a.recordDownloadProgress(taskID: "t1", bytesDone: 6 << 20, now: at(2))
        let part1 = ObjectUploadPart(number: 1, bytes: 5 << 20, etag: "\"e1\"",
                                     checksumSHA256: String(repeating: "A", count: 43) + "=")
        try a.recordObjectUploadPart(taskID: "t1", uploadID: "u1", part: part1, now: at(3))
        _ = try #require(try b.claimNextDownload(now: at(31)))

        expectLeaseLost { try a.recordDownloadProgress(taskID: "t1", bytesDone: 7 << 20, now: at(32)) }
        expectLeaseLost { try a.recordDownloadBytesReleased(taskID: "t1", bytes: 4096, now: at(32)) }
        expectLeaseLost { try a.setDownloadPartialPath(taskID: "t1", path: "/x", archive: "arch_a", now: at(32)) }
        expectLeaseLost { try a.markDownloadDone(taskID: "t1", archivePath: "/a/t1.mp4", sha256: "00", bytes: 1, now: at(32)) }
        expectLeaseLost { try a.markDownloadFailed(taskID: "t1", reason: "no", now: at(32)) }
        expectLeaseLost { try a.scheduleDownloadRetry(taskID: "t1", reason: "x", nextAttemptAt: at(40), now: at(32)) }
        expectLeaseLost { try a.requeueDownload(taskID: "t1", notBefore: at(40), now: at(32)) }
        let part2 = ObjectUploadPart(number: 2, bytes: 1 << 20, etag: "\"e2\"",
                                     checksumSHA256: String(repeating: "B", count: 43) + "=")
        expectLeaseLost { try a.recordObjectUploadPart(taskID: "t1", uploadID: "u1", part: part2, now: at(32)) }
        expectLeaseLost { try a.markObjectUploadCompleted(taskID: "t1", now: at(32)) }
        expectLeaseLost { try a.scheduleObjectUploadRetry(taskID: "t1", reason: "x", nextAttemptAt: at(40), now: at(32)) }
        expectLeaseLost { _ = try a.abandonObjectUpload(taskID: "t1", now: at(32)) }
        expectLeaseLost { _ = try a.beginObjectUpload(taskID: "t1", bucket: "videos", key: "t1.mp4", uploadID: "u1",
                                                      partSize: 5 << 20, now: at(32)) }

        let job = try #require(try b.downloadJob(taskID: "t1"))
        #expect(job.state == .running && job.owner == b.instanceID && job.bytesDone == 6 << 20 && job.bytesReleased == 0)
        let upload = try #require(try b.objectUpload(taskID: "t1"), "the old owner could not abandon it")
        #expect(upload.uploadID == "u1" && upload.state == .uploading)
        #expect(try b.objectUploadParts(taskID: "t1").map(\.number) == [1])
        // The new owner carries on with the same upload.
        try b.recordObjectUploadPart(taskID: "t1", uploadID: "u1", part: part2, now: at(33))
        try b.recordDownloadRebuilt(taskID: "t1", bytes: 5 << 20, now: at(33))
        #expect(try b.downloadJob(taskID: "t1").map { ($0.bytesDone, $0.bytesReleased) } ?? (0, 0) == (5 << 20, 5 << 20))
    }

    @Test("deliveries: claimed with an owner, taken over once lapsed, the old owner's record refused; only the instance's own targets")
    func deliveries() throws {
        let (a, b) = try twoInstances()
        #expect(try a.claimNextDelivery(now: at(1), targets: ["webhook https://other.test/"]) == nil,
                "a target this instance does not have is left to the others")
        #expect(try a.claimNextDelivery(now: at(1), targets: []) == nil)
        let claim = try #require(try a.claimNextDelivery(now: at(1), targets: [Self.target.key]))
        #expect(claim.takenOverFrom == nil && claim.attempt == 1)
        #expect(try b.claimNextDelivery(now: at(20)) == nil)
        let taken = try #require(try b.claimNextDelivery(now: at(31.5)))
        #expect(taken.deliveryID == claim.deliveryID && taken.takenOverFrom == a.instanceID && taken.attempt == 1)
        let sent = DeliveryAttempt(outcome: .delivered, startedAt: at(2), durationMilliseconds: 5, httpStatus: 204)
        expectLeaseLost { try a.recordDeliveryAttempt(claim, sent, now: at(32)) }
        expectLeaseLost { try a.releaseDelivery(claim, now: at(32)) }
        try b.recordDeliveryAttempt(taken, sent, now: at(33))
        let detail = try #require(try b.notificationEvent(id: claim.eventID))
        #expect(detail.attempts.count == 1, "one attempt recorded, the new owner's")
        #expect(detail.event.deliveries.map(\.state) == ["delivered"])
    }

    @Test("the singleton lease: one holder; renewed with the heartbeat; taken over once lapsed, and the old holder's renewal says so")
    func singleton() throws {
        let (a, b) = try twoInstances(tasks: [])
        #expect(try a.takeLease("reconciler", now: at(0)) == .held(takenOverFrom: nil))
        #expect(try a.takeLease("reconciler", now: at(5)) == .held(takenOverFrom: nil), "its own: renewed")
        #expect(try b.takeLease("reconciler", now: at(10)) == .heldElsewhere(owner: a.instanceID, until: at(35)))
        #expect(try a.renewLeases(downloads: [], deliveries: [], now: at(20)).leases == ["reconciler"])
        #expect(try b.takeLease("reconciler", now: at(40)).isHeld == false, "renewed until 50")
        #expect(try b.takeLease("reconciler", now: at(51)) == .held(takenOverFrom: a.instanceID))
        #expect(try a.renewLeases(downloads: [], deliveries: [], now: at(52)).leases.isEmpty)
        #expect(try a.takeLease("reconciler", now: at(53)).isHeld == false)
    }

    @Test("a clean stop gives everything back at once and marks the instance stopped; instances shows alive, lapsed and stopped with what each holds")
    func releaseAndList() throws {
        let (a, b) = try twoInstances(tasks: ["t1", "t2"])
        try a.registerInstance(host: "host-a", pid: 101, version: "v7-leases", now: at(0))
        try b.registerInstance(host: "host-b", pid: 202, version: nil, now: at(1))
        let job = try #require(try a.claimNextDownload(now: at(2)))
        let delivery = try #require(try a.claimNextDelivery(now: at(2)))
        #expect(try a.takeLease("reconciler", now: at(2)).isHeld)
        _ = try #require(try b.claimNextDownload(now: at(3)))

        _ = try a.renewLeases(downloads: [job.job.taskID], deliveries: [delivery.deliveryID], now: at(20))
        let listed = try b.instances(now: at(40))
        #expect(listed.map(\.id) == [b.instanceID, a.instanceID], "the newest first")
        let first = try #require(listed.first { $0.id == a.instanceID })
        #expect(first.state == .alive && first.host == "host-a" && first.pid == 101 && first.version == "v7-leases")
        #expect(first.heartbeatAge == 20 && first.leaseSeconds == 30)
        #expect(first.downloads.map(\.name) == [job.job.taskID] && first.downloads.first?.leaseUntil == at(50))
        #expect(first.deliveries.map(\.name) == ["\(delivery.eventID) to \(Self.target.key)"])
        #expect(first.leases.map(\.name) == ["reconciler"])
        let second = try #require(listed.first { $0.id == b.instanceID })
        #expect(second.state == .lapsed && second.downloads.count == 1, "no heartbeat since 1: lapsed at 31")

        let released = try a.releaseInstance(now: at(41))
        #expect(released == ReleasedWork(downloads: 1, deliveries: 1, leases: 1))
        #expect(try b.downloadJob(taskID: job.job.taskID).map { ($0.state, $0.owner) } ?? (.done, "") == (.queued, nil))
        #expect(try b.claimNextDelivery(now: at(42))?.deliveryID == delivery.deliveryID, "pending again, due")
        #expect(try b.takeLease("reconciler", now: at(42)) == .held(takenOverFrom: nil))
        let after = try b.instances(now: at(43))
        #expect(after.first { $0.id == a.instanceID }?.state == .stopped)
        #expect(after.first { $0.id == a.instanceID }?.downloads.isEmpty == true)
        #expect(after.first { $0.id == b.instanceID }?.leases.map(\.name) == ["reconciler"])
    }

    @Test("at start on SQLite every running job and delivery is put back: one process owns the state folder",
          .enabled(if: LedgerBackendUnderTest.isSQLite, "SQLite's behaviour; PostgreSQL's is the next test"))
    func requeueAtStartSQLite() throws {
        let (a, b) = try twoInstances()
        _ = try #require(try a.claimNextDownload(now: at(0)))
        _ = try #require(try a.claimNextDelivery(now: at(0)))
        #expect(try b.requeueRunningDownloads(now: at(1)) == 1)
        #expect(try b.requeueRunningDeliveries(now: at(1)) == 1)
        let job = try #require(try b.downloadJob(taskID: "t1"))
        #expect(job.state == .queued && job.owner == nil && job.leaseUntil == nil)
    }

    @Test("at start on PostgreSQL another live instance's work is left alone; lapsed, stopped and ownerless work is put back",
          .enabled(if: LedgerBackendUnderTest.isPostgres, "the shared ledger's behaviour"))
    func requeueAtStartShared() throws {
        let (a, b) = try twoInstances(tasks: ["t1", "t2", "t3", "t4"])
        try a.registerInstance(host: "a", pid: 1, version: nil, now: at(0))
        let live = try #require(try a.claimNextDownload(now: at(0)))
        let lapsing = try #require(try a.claimNextDownload(now: at(0)))
        let stopped = try #require(try b.claimNextDownload(now: at(0)))
        let ownerless = try #require(try a.claimNextDownload(now: at(0)))
        try a.testWrite(sql: "UPDATE download_jobs SET lease_until = ? WHERE task_id = ?",
                        arguments: [at(-10).timeIntervalSince1970, lapsing.job.taskID])
        try a.testWrite(sql: "UPDATE download_jobs SET owner = NULL, lease_until = NULL WHERE task_id = ?",
                        arguments: [ownerless.job.taskID])
        try b.registerInstance(host: "b", pid: 2, version: nil, now: at(0))
        try b.testWrite(sql: "UPDATE instances SET stopped_at = ? WHERE id = ?", arguments: [at(1).timeIntervalSince1970,
                                                                                             b.instanceID])
        _ = try #require(try a.claimNextDelivery(now: at(0)))

        let starting = try directory.openLedger()
        let requeued = try starting.requeueRunningDownloads(now: at(5))
        #expect(requeued == 3)
        #expect(try starting.downloadJob(taskID: live.job.taskID)?.state == .running, "a live instance's job is its own")
        #expect(try starting.downloadJob(taskID: live.job.taskID)?.owner == a.instanceID)
        for id in [lapsing.job.taskID, stopped.job.taskID, ownerless.job.taskID] {
            #expect(try starting.downloadJob(taskID: id)?.state == .queued, "\(id)")
        }
        #expect(try starting.requeueRunningDeliveries(now: at(5)) == 0, "the live instance's delivery stays")
        #expect(try starting.requeueRunningDeliveries(now: at(31)) == 1, "until its lease lapsed")
        // This instance's own running work (none at a real start) is always its to put back.
        _ = try #require(try starting.claimNextDownload(now: at(6)))
        #expect(try starting.requeueRunningDownloads(now: at(7)) == 1)
    }

    @Test("notification targets: identical settings change nothing; the previous set is returned for the warning")
    func targets() throws {
        let (a, b) = try twoInstances(tasks: [])
        #expect(try a.setNotificationTargets([Self.target]) == [Self.target.key])
        #expect(try b.setNotificationTargets([Self.target]) == [Self.target.key])
        let other = NotificationTarget(key: "command /usr/local/bin/hook", events: [.videoArchived])
        #expect(try b.setNotificationTargets([other]) == [Self.target.key])
        #expect(try a.setNotificationTargets([Self.target]) == [other.key], "last writer wins")
    }
}
