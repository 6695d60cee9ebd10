import Foundation
import GRDB
import Testing
@testable import Ledger
import TestSupport
import VideoAPI

@Suite("A ledger that cannot take writes says so, and nothing is half-committed")
struct LedgerFailureTests {
    /// SQLite: `query_only` on the writer's connection. PostgreSQL: the database made
    /// read-only (`default_transaction_read_only`, as on a standby) and the ledger's
    /// sessions ended, so that the pool reconnects into it.
    @Test("writes to a read-only database fail as unavailable (503) through the writer")
    func readOnlyDatabase() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        switch LedgerBackendUnderTest.current {
        case .sqlite:
            try ledger.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = ON") }
        case .postgres:
            let database = try directory.postgresDatabaseName()
            try PostgresCluster.shared().psql("ALTER DATABASE \(database) SET default_transaction_read_only = on")
            try PostgresCluster.shared().psql("""
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database)'
                """)
        }
        let writer = LedgerWriter(ledger: ledger)
        try writer.start()
        defer { writer.close() }
        let completions = Completions()
        writer.submit(try TaskBody.event(id: "t1", status: .completed), completion: completions.expectOne())
        writer.submit(.rejected(RejectedBody(statusCode: 400, reason: "x", path: "/", body: Data(), peer: "p")),
                      completion: completions.expectOne())
        #expect(completions.wait())
        #expect(completions.failures.count == 2)
        #expect(completions.failures.allSatisfy { $0.isUnavailable })
        #expect(completions.failures.first?.description.contains("read-only") == true)
    }

    @Test("a ledger opened for reading refuses writes as unavailable")
    func openedForReading() throws {
        let directory = TemporaryDirectory()
        _ = try directory.openLedger()
        let reader = try directory.openLedgerForReading()
        #expect {
            try reader.record(try TaskBody.event(id: "t1", status: .pending))
        } throws: { error in
            (error as? LedgerError)?.isUnavailable == true
        }
    }

    @Test("a full disk fails the whole batch as unavailable, commits nothing, and recovers",
          .enabled(if: LedgerBackendUnderTest.isSQLite, "max_page_count is SQLite's own way to fill the disk"))
    func diskFull() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        _ = try ledger.record(try TaskBody.event(id: "before", status: .pending))
        // max_page_count is SQLite's own way to run out of room: past it, SQLITE_FULL.
        let pages = try ledger.pool.write { try Int.fetchOne($0, sql: "PRAGMA page_count") ?? 0 }
        try ledger.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA max_page_count = \(pages)") }
        let big = Data(repeating: UInt8(ascii: "z"), count: 256 * 1024)
        let batch: [LedgerWrite] = [
            try TaskBody.event(id: "small", status: .completed),
            .unrecognized(UnrecognizedCallback(body: big, reason: "big", peer: "p")),
        ]
        #expect {
            try ledger.record(batch)
        } throws: { error in
            guard let error = error as? LedgerError, error.isUnavailable else { return false }
            return error.description.contains("full")
        }
        #expect(try ledger.task(id: TaskID("small")!) == nil, "the batch is all or nothing")
        #expect(try ledger.counts().unrecognizedCallbacks == 0)

        try ledger.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA max_page_count = 1073741823") }
        let results = try ledger.record(batch)
        #expect(results.allSatisfy { (try? $0.get()) != nil })
        #expect(try ledger.task(id: TaskID("small")!)?.downloadJob != nil)
    }

    @Test("a write the database refuses fails alone; the rest of its transaction commits")
    func oneBadWriteFailsAlone() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        try ledger.refuseInserts(into: "rejected_bodies", when: "NEW.reason = 'poison'", saying: "poisoned")
        let results = try ledger.record([
            try TaskBody.event(id: "good-1", status: .completed),
            .rejected(RejectedBody(statusCode: 400, reason: "poison", path: "/", body: Data(), peer: "p")),
            try TaskBody.event(id: "good-2", status: .failed),
        ])
        #expect((try? results[0].get()) != nil)
        guard case .failure(let failure) = results[1] else {
            Issue.record("the poisoned write succeeded")
            return
        }
        #expect(!failure.isUnavailable)
        #expect(failure.description.contains("poisoned"))
        #expect((try? results[2].get()) != nil)
        #expect(try ledger.counts().tasks == 2)
        #expect(try ledger.counts().rejectedBodies == 0)
        #expect(ledger.writeTransactionCount == 1)
    }

    @Test("a write refused halfway leaves none of its statements; alone, it commits nothing")
    func halfDoneWriteIsUndone() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        // The task row and its event go in first; the job's insert is refused after them.
        try ledger.refuseInserts(into: "download_jobs", when: "NEW.task_id = 'half-done'", saying: "no job")
        let results = try ledger.record([
            try TaskBody.event(id: "before-it", status: .completed),
            try TaskBody.event(id: "half-done", status: .completed),
            try TaskBody.event(id: "after-it", status: .completed),
        ])
        #expect((try? results[0].get()) != nil && (try? results[2].get()) != nil)
        #expect((try? results[1].get()) == nil)
        #expect(try ledger.task(id: TaskID("half-done")!) == nil)
        #expect(try ledger.task(id: TaskID("after-it")!)?.downloadJob != nil)
        #expect(try ledger.counts().events == 2)

        let transactions = ledger.writeTransactionCount
        let alone = try ledger.record([try TaskBody.event(id: "half-done", status: .completed)])
        #expect((try? alone[0].get()) == nil)
        #expect(try ledger.task(id: TaskID("half-done")!) == nil)
        #expect(ledger.writeTransactionCount == transactions, "nothing was committed")
    }
}
