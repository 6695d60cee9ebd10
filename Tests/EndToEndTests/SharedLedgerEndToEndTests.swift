import Dispatch
import Foundation
import Glibc
import Synchronization
import TestSupport
import Testing

/// `serve` with `ledger.url` against a real PostgreSQL (a throwaway cluster of its own,
/// so that stopping it disturbs no other test): callbacks are committed there, the
/// commands read them from there, and an outage is a 503 with Retry-After and a failing
/// `/readyz`, both of which end by themselves when the database is back.
@Suite("A shared ledger on PostgreSQL, end to end", .serialized)
struct SharedLedgerEndToEndTests {
    private static func body(_ id: String, status: String = "processing") -> String {
        #"{"id":"\#(id)","object":"video.generation.task","model":"seedance-1.5-pro","created":1765000000,"status":"\#(status)","progress":40,"type":"video"}"#
    }

    private static func wait(timeout: Double = 30, _ condition: () throws -> Bool) -> Bool {
        Polling.until(timeout: timeout, every: 0.1) { (try? condition()) == true }
    }

    /// The same token on both: one callback URL, whichever instance answers.
    private static let sharedToken = "two-instances-one-ledger-token-0123"
    private static var sharedPath: String { "/callbacks/" + sharedToken }

    /// Two started instances on a database `name` of a cluster of their own (so that
    /// stopping it disturbs no other test), with the same token.
    private static func twoInstances(database name: String) throws -> (PostgresCluster, [DaemonProcess]) {
        let cluster = try PostgresCluster()
        try cluster.createDatabase(name)
        let url = "postgresql:///\(name)?host=\(cluster.socketDirectory)&port=\(cluster.port)&user=postgres"
        let config = "token: \(sharedToken)\nledger:\n  url: \(url)\n"
        let daemons = [try DaemonProcess(config: config), try DaemonProcess(config: config)]
        for daemon in daemons { try daemon.start() }
        return (cluster, daemons)
    }

    /// Every acknowledged callback's task is in `database`, with one event row each (the
    /// callbacks are one `processing` per task): nothing lost, nothing twice.
    private static func expectStoredOnce(_ acknowledged: [String], in cluster: PostgresCluster, database: String,
                                         sourceLocation: SourceLocation = #_sourceLocation) throws {
        let stored = Set(try cluster.psql("SELECT id FROM tasks", database: database)
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        let missing = Set(acknowledged).subtracting(stored)
        #expect(missing.isEmpty, "acknowledged but not in the ledger: \(missing.sorted().prefix(5))",
                sourceLocation: sourceLocation)
        #expect(try cluster.psql("SELECT count(*) - count(DISTINCT task_id) FROM events", database: database)
            .trimmingCharacters(in: .whitespacesAndNewlines) == "0", "one event row per callback",
                sourceLocation: sourceLocation)
    }

    @Test("callbacks committed to PostgreSQL; an outage answers 503 with Retry-After and fails /readyz; back by itself, nothing lost")
    func outageAndRecovery() throws {
        let cluster = try PostgresCluster()
        try cluster.createDatabase("vh_e2e")
        let url = "postgresql:///vh_e2e?host=\(cluster.socketDirectory)&port=\(cluster.port)&user=postgres"
        let daemon = try DaemonProcess(config: "ledger:\n  url: \(url)\n")
        defer { daemon.stop() }
        try daemon.start()
        #expect(daemon.logLines().contains { $0.contains("event=ledger.opened") && $0.contains("backend=postgresql") })

        let first = "task-unified-1765000000-pgfirst1"
        #expect(try daemon.connect().post(daemon.callbackPath, body: Self.body(first)).status == 200)
        #expect(try cluster.psql("SELECT status FROM tasks WHERE id = '\(first)'", database: "vh_e2e")
            .trimmingCharacters(in: .whitespacesAndNewlines) == "processing")
        #expect(try daemon.command(["tasks"]).output.contains(first), "tasks reads the shared ledger")
        #expect(try TestClient.connectPlain(port: daemon.adminPort).get("/readyz").status == 200)

        try cluster.stop()
        #expect(Self.wait {
            let ready = try TestClient.connectPlain(port: daemon.adminPort).get("/readyz")
            return ready.status == 503 && ready.text.contains(#""ledger":"#)
        }, "/readyz follows the database")
        let second = "task-unified-1765000000-pgsecnd2"
        let refused = try daemon.connect().post(daemon.callbackPath, body: Self.body(second))
        #expect(refused.status == 503, "\(refused.status) \(refused.text)")
        #expect(refused.headers["retry-after"] != nil)
        #expect(daemon.logLines().contains { $0.contains("event=ledger.unreachable") })

        try cluster.start()
        #expect(Self.wait { try TestClient.connectPlain(port: daemon.adminPort).get("/readyz").status == 200 },
                "ready again without a restart")
        // The API retries what was answered 503: the same body now commits.
        #expect(try daemon.connect().post(daemon.callbackPath, body: Self.body(second)).status == 200)
        #expect(try cluster.psql("SELECT count(*) FROM tasks", database: "vh_e2e")
            .trimmingCharacters(in: .whitespacesAndNewlines) == "2")
        #expect(daemon.logLines().contains { $0.contains("event=ledger.reachable") })
        #expect(!daemon.logLines().contains { $0.contains("password") })
    }

    @Test("two instances under load, PostgreSQL stopped for 10 s: 503s while it is down, no 2xx lost, both serve again without a restart")
    func twoInstancesOutageUnderLoad() throws {
        let (cluster, daemons) = try Self.twoInstances(database: "vh_e2e_two")
        defer { for daemon in daemons { daemon.stop() } }
        let path = Self.sharedPath

        /// One sender's tally: each task's callback is posted, to the two instances in
        /// turn, until a 2xx, as the API retries a 503 or a dropped connection.
        struct Tally {
            var acknowledged: [String] = []
            var refused = 0
            var acknowledgedBy = [0, 0]
            /// Answers that are neither 2xx nor the 503 of an outage (nor a dropped connection).
            var unexpected: [Int] = []
        }
        let stopping = Atomic<Bool>(false)
        let downAt = Mutex<(down: Date?, up: Date?)>((nil, nil))
        let tallies = Mutex<[Tally]>([])
        let group = DispatchGroup()
        for sender in 0..<4 {
            group.enter()
            Thread {
                var tally = Tally()
                var turn = sender
                var number = 0
                while !stopping.load(ordering: .relaxed) {
                    let id = String(format: "task-unified-1765000000-out%d%05d", sender, number)
                    number += 1
                    // Until this callback is acknowledged, whatever the database does.
                    while true {
                        turn += 1
                        let target = turn % daemons.count
                        let status = (try? daemons[target].connect().post(path, body: Self.body(id)))?.status ?? 0
                        if (200..<300).contains(status) {
                            tally.acknowledged.append(id)
                            tally.acknowledgedBy[target] += 1
                            break
                        }
                        tally.refused += 1
                        if status != 503 && status != 0 {
                            tally.unexpected.append(status)
                            if tally.unexpected.count > 20 { break }
                        }
                        Thread.sleep(forTimeInterval: 0.1)
                    }
                    Thread.sleep(forTimeInterval: 0.01)
                }
                tallies.withLock { $0.append(tally) }
                group.leave()
            }.start()
        }

        Thread.sleep(forTimeInterval: 3)
        try cluster.stop()
        downAt.withLock { $0.down = Date() }
        // Both instances see it on /readyz while the database is down.
        for daemon in daemons {
            #expect(Self.wait(timeout: 8) {
                let ready = try TestClient.connectPlain(port: daemon.adminPort).get("/readyz")
                return ready.status == 503 && ready.text.contains(#""ledger":"#)
            }, "/readyz of each instance follows the database")
        }
        Thread.sleep(forTimeInterval: max(0, 10 - Date().timeIntervalSince(downAt.withLock { $0.down! })))
        try cluster.start()
        downAt.withLock { $0.up = Date() }
        for daemon in daemons {
            #expect(Self.wait { try TestClient.connectPlain(port: daemon.adminPort).get("/readyz").status == 200 },
                    "ready again without a restart")
        }
        // Load goes on after the outage, so both must take callbacks again.
        Thread.sleep(forTimeInterval: 4)
        stopping.store(true, ordering: .relaxed)
        #expect(group.wait(timeout: .now() + 60) == .success, "every sender got its last callback acknowledged")

        let all = tallies.withLock { $0 }
        let acknowledged = all.flatMap(\.acknowledged)
        let refused = all.reduce(0) { $0 + $1.refused }
        #expect(refused > 0, "callbacks were refused (503) while the database was down")
        // The reasons the daemons logged for anything but an unavailable ledger, to say why.
        let otherFailures = daemons.flatMap { daemon in
            daemon.logLines().filter { $0.contains("event=callback.not_recorded") && !$0.contains("the ledger is unavailable") }
        }
        #expect(all.flatMap(\.unexpected).isEmpty,
                "only 503s or dropped connections: \(all.flatMap(\.unexpected).prefix(10)); \(otherFailures.prefix(3))")
        #expect(all.allSatisfy { $0.acknowledgedBy.allSatisfy { $0 > 0 } }, "both instances acknowledged callbacks")
        #expect(acknowledged.count > 40, "the load went on: \(acknowledged.count) acknowledged")
        try Self.expectStoredOnce(acknowledged, in: cluster, database: "vh_e2e_two")
        // Both instances answered 2xx after the database came back: each takes one more now.
        for (index, daemon) in daemons.enumerated() {
            let id = "task-unified-1765000000-afterup\(index)"
            #expect(try daemon.connect().post(path, body: Self.body(id)).status == 200)
            #expect(daemon.logLines().contains { $0.contains("event=ledger.unreachable") })
            #expect(daemon.logLines().contains { $0.contains("event=ledger.reachable") })
        }
    }

    @Test("one of two instances killed with SIGKILL in the middle of its group commits: every callback it acknowledged is in the shared ledger, and the other goes on taking them")
    func killedMidBatch() throws {
        let (cluster, daemons) = try Self.twoInstances(database: "vh_e2e_kill")
        defer { for daemon in daemons { daemon.stop() } }
        let (killed, survivor, path) = (daemons[0], daemons[1], Self.sharedPath)

        // Eight senders keep the first instance's writer busy with batches; each
        // callback is retried on the other instance once the first one is gone.
        let stopping = Atomic<Bool>(false)
        let acknowledged = Mutex<[String]>([])
        let group = DispatchGroup()
        for sender in 0..<8 {
            group.enter()
            Thread {
                var number = 0
                while !stopping.load(ordering: .relaxed) {
                    let id = String(format: "task-unified-1765000000-kil%d%05d", sender, number)
                    number += 1
                    for attempt in 0..<50 {
                        let daemon = attempt == 0 ? killed : survivor
                        if let status = try? daemon.connect().post(path, body: Self.body(id)).status, status == 200 {
                            acknowledged.withLock { $0.append(id) }
                            break
                        }
                        Thread.sleep(forTimeInterval: 0.05)
                    }
                }
                group.leave()
            }.start()
        }
        Thread.sleep(forTimeInterval: 2)
        #expect(killed.stop(signal: SIGKILL) == 128 + SIGKILL)
        Thread.sleep(forTimeInterval: 2)
        stopping.store(true, ordering: .relaxed)
        #expect(group.wait(timeout: .now() + 60) == .success)

        let answered = acknowledged.withLock { $0 }
        #expect(answered.count > 100, "the load went on: \(answered.count)")
        try Self.expectStoredOnce(answered, in: cluster, database: "vh_e2e_kill")
        let afterwards = "task-unified-1765000000-survivor"
        #expect(try survivor.connect().post(path, body: Self.body(afterwards)).status == 200)
    }

    @Test("a database that does not answer at start: serve exits 1 naming ledger.url")
    func unreachableAtStart() throws {
        let folder = TemporaryDirectory()
        let daemon = try DaemonProcess(config: "ledger:\n  url: postgresql:///nothing?host=\(folder.path)&user=postgres\n")
        defer { daemon.stop() }
        #expect(throws: (any Error).self) { try daemon.start() }
        #expect(Self.wait(timeout: 10) { daemon.standardError.contains("ledger.url") }, "\(daemon.standardError)")
    }
}
