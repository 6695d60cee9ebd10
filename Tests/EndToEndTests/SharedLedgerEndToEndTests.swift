import Foundation
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

    @Test("a database that does not answer at start: serve exits 1 naming ledger.url")
    func unreachableAtStart() throws {
        let folder = TemporaryDirectory()
        let daemon = try DaemonProcess(config: "ledger:\n  url: postgresql:///nothing?host=\(folder.path)&user=postgres\n")
        defer { daemon.stop() }
        #expect(throws: (any Error).self) { try daemon.start() }
        #expect(Self.wait(timeout: 10) { daemon.standardError.contains("ledger.url") }, "\(daemon.standardError)")
    }
}
