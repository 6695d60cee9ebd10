import Foundation
import Ledger
@testable import Serve
import Synchronization
import TestSupport
import Testing
import VideoAPI

/// The instance's lease keeper, on a SQLite ledger with a second `Ledger` on the same
/// file standing for another instance: registration, renewal of what is in hand, what a
/// takeover tells the workers, the reconciler's turn, and the release at a clean stop.
@Suite("The instance's leases")
struct InstanceLeasesTests {
    @Test("registers at start, renews the work in hand, reports a takeover, takes the turn, gives everything back at a clean stop")
    func lifecycle() throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/ledger.sqlite"
        let ledger = try Ledger.open(path: path, limits: LedgerLimits(leaseDuration: 30))
        let other = try Ledger.open(path: path)
        for id in ["t-held", "t-kept"] {
            let body = Data(#"{"id":"\#(id)","object":"video.generation.task","model":"m","created":1765000000,"status":"completed","progress":100,"results":["https://cdn.example.com/\#(id).mp4"],"type":"video"}"#.utf8)
            guard case .task(let task) = CallbackBody.classify(body) else { Issue.record("no task"); return }
            _ = try ledger.record(.event(TaskEvent(task: task, peer: "p")))
        }
        let inHand = Mutex<Set<String>>([])
        let lost = Mutex<[String: String]>([:])
        let log = LogCapture()
        let leases = InstanceLeases(ledger: ledger, logger: log.logger, host: "host-a", pid: 4242,
                                    runningDownloads: { inHand.withLock { $0 } }, runningDeliveries: { [] },
                                    downloadLost: { task, owner in lost.withLock { $0[task] = owner } })
        #expect(leases.renewInterval == 10)
        try leases.start()
        defer { leases.beginStopping(); _ = leases.waitUntilStopped(timeout: .seconds(5)) }
        let registered = try #require(try other.instances().first { $0.id == ledger.instanceID })
        #expect(registered.host == "host-a" && registered.pid == 4242 && registered.state == .alive)
        #expect(registered.version == Ledger.schemaVersion)

        let now = Date()
        let first = try #require(try ledger.claimNextDownload(now: now))
        let second = try #require(try ledger.claimNextDownload(now: now))
        inHand.withLock { $0 = [first.job.taskID, second.job.taskID] }
        leases.renew(now: now.addingTimeInterval(20))
        let renewed = try #require(try other.downloadJob(taskID: first.job.taskID)?.leaseUntil)
        #expect(abs(renewed.timeIntervalSince(now.addingTimeInterval(50))) < 0.001)
        // The other instance takes one over (as if this one had gone silent).
        let taken = try #require(try other.claimNextDownload(now: now.addingTimeInterval(51)))
        leases.renew(now: now.addingTimeInterval(52))
        #expect(lost.withLock { $0 } == [taken.job.taskID: other.instanceID])

        #expect(leases.take(InstanceLeases.reconcilerLease))
        #expect(leases.holds(InstanceLeases.reconcilerLease))
        #expect(!log.events("lease.taken").isEmpty)
        #expect(try other.takeLease(InstanceLeases.reconcilerLease).isHeld == false)

        leases.beginStopping()
        #expect(leases.waitUntilStopped(timeout: .seconds(5)))
        let kept = first.job.taskID == taken.job.taskID ? second.job.taskID : first.job.taskID
        #expect(try other.downloadJob(taskID: kept).map { ($0.state, $0.owner) } ?? (.done, "x") == (.queued, nil),
                "given back at the stop")
        #expect(try other.downloadJob(taskID: taken.job.taskID)?.owner == other.instanceID, "the other's stays its own")
        #expect(try other.takeLease(InstanceLeases.reconcilerLease) == .held(takenOverFrom: nil), "the turn is free")
        #expect(try other.instances().first { $0.id == ledger.instanceID }?.state == .stopped)
        #expect(!log.events("instance.stopped").isEmpty)
    }
}
