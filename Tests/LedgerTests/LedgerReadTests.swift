import Dispatch
import Foundation
import GRDB
import Synchronization
import Testing
@testable import Ledger
import TestSupport
import VideoAPI

@Suite("Reading the ledger, from another connection pool, while it is written")
struct LedgerReadTests {
    @Test("the file is in WAL mode with synchronous FULL",
          .enabled(if: LedgerBackendUnderTest.isSQLite, "SQLite's own settings (PostgreSQL: PostgresLedgerTests)"))
    func durabilitySettings() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let (journal, synchronous) = try ledger.pool.write { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(journal == "wal")
        #expect(synchronous == 2, "2 is FULL")
    }

    /// The WAL holds the bodies until a checkpoint, so it must be as private as the
    /// ledger from the start: SQLite creates it, and the -shm file, with the mode the
    /// ledger has at that moment.
    @Test("a new ledger and its -wal and -shm files are mode 0600, whatever the umask",
          .enabled(if: LedgerBackendUnderTest.isSQLite, "the SQLite file's modes"))
    func newFilesArePrivate() throws {
        let directory = TemporaryDirectory()
        let previous = umask(0o022)
        defer { umask(previous) }
        let ledger = try directory.openLedger()
        _ = try ledger.record(try TaskBody.event(id: "t1", status: .pending))
        for suffix in ["", "-wal", "-shm"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: directory.ledgerPath + suffix)
            #expect((attributes[.posixPermissions] as? Int) == 0o600, "ledger\(suffix)")
        }
    }

    @Test("an existing ledger's mode is left as the operator set it",
          .enabled(if: LedgerBackendUnderTest.isSQLite, "the SQLite file's modes"))
    func existingModeKept() throws {
        let directory = TemporaryDirectory()
        try directory.openLedger().close()
        #expect(chmod(directory.ledgerPath, 0o640) == 0)
        _ = try directory.openLedger()
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.ledgerPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o640)
    }

    @Test("a second pool reads the last commit while a write transaction is open, then sees it")
    func secondPoolReadsDuringWrite() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        _ = try ledger.record(try TaskBody.event(id: "t1", status: .pending))
        let reader = try directory.openLedgerForReading()
        var seenDuringWrite: TaskStatus?
        try ledger.testWrite { db in
            try db.execute(sql: "UPDATE tasks SET status = 'processing' WHERE id = 't1'")
            seenDuringWrite = try reader.task(id: TaskID("t1")!)?.task.status
        }
        #expect(seenDuringWrite == .pending, "the reader was not blocked and saw the last commit")
        #expect(try reader.task(id: TaskID("t1")!)?.task.status == .processing)
    }

    @Test("reads from another pool run throughout a storm of writes and only ever grow")
    func readsDuringStorm() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let writer = LedgerWriter(ledger: ledger)
        try writer.start()
        defer { writer.close() }
        let reader = try directory.openLedgerForReading()
        let stop = Atomic<Bool>(false)
        let observed = Mutex<[Int]>([])
        let readFailures = Mutex<[LedgerError]>([])
        let readerDone = DispatchSemaphore(value: 0)
        Thread {
            while !stop.load(ordering: .relaxed) {
                do throws(LedgerError) {
                    let events = try reader.counts().events
                    observed.withLock { $0.append(events) }
                } catch {
                    readFailures.withLock { $0.append(error) }
                }
            }
            readerDone.signal()
        }.start()
        let completions = Completions()
        let writes = try (0..<300).map { try TaskBody.event(id: "read-\($0)", status: .completed) }
        let handlers = writes.map { _ in completions.expectOne() }
        DispatchQueue.concurrentPerform(iterations: writes.count) { writer.submit(writes[$0], completion: handlers[$0]) }
        #expect(completions.wait())
        stop.store(true, ordering: .relaxed)
        readerDone.wait()
        let counts = observed.withLock { $0 }
        #expect(readFailures.withLock { $0 }.isEmpty)
        #expect(!counts.isEmpty)
        #expect(zip(counts, counts.dropFirst()).allSatisfy { $0 <= $1 }, "a reader never sees a commit undone")
        #expect(try reader.counts().events == 300)
    }

    @Test("tasks lists newest first and filters by status")
    func listing() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let start = Date(timeIntervalSince1970: 1_761_313_800)
        _ = try ledger.record(try TaskBody.event(id: "a", status: .processing, progress: 10, at: start))
        _ = try ledger.record(try TaskBody.event(id: "b", status: .completed, at: start + 1))
        _ = try ledger.record(try TaskBody.event(id: "c", status: .failed, at: start + 2))
        #expect(try ledger.tasks().map(\.id) == ["c", "b", "a"])
        #expect(try ledger.tasks(status: .completed).map(\.id) == ["b"])
        #expect(try ledger.tasks(status: .completed).first?.downloadState == .queued)
        #expect(try ledger.tasks(status: .processing).first?.progress == 10)
        #expect(try ledger.tasks(status: .cancelled).isEmpty)
        #expect(try ledger.tasks(limit: 2).count == 2)
        #expect(try ledger.task(id: TaskID("nope")!) == nil)
    }

    @Test("opening a missing ledger for reading says serve has not run, and creates nothing")
    func missingLedger() throws {
        let directory = TemporaryDirectory()
        #expect(throws: LedgerError.notFound(path: try directory.ledgerLocation())) {
            try directory.openLedgerForReading()
        }
        #expect(LedgerError.notFound(path: "/x/ledger.sqlite").description.contains("serve"))
        if LedgerBackendUnderTest.isSQLite {
            #expect(!FileManager.default.fileExists(atPath: directory.ledgerPath))
        } else {
            let tables = try PostgresCluster.shared().psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
                                                           database: try directory.postgresDatabaseName())
            #expect(tables.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "reading creates nothing")
        }
    }

    @Test("a ledger from a newer videohookd is refused, for writing and reading")
    func newerSchemaIsRefused() throws {
        let directory = TemporaryDirectory()
        let location: String
        do {
            let ledger = try directory.openLedger()
            location = ledger.path
            try ledger.recordUnknownMigration("v999")
        }
        #expect(throws: LedgerError.schemaTooNew(path: location)) {
            try directory.openLedger()
        }
        #expect(throws: LedgerError.schemaTooNew(path: location)) {
            try directory.openLedgerForReading()
        }
    }

    @Test("a file that is not a ledger is refused with a reason",
          .enabled(if: LedgerBackendUnderTest.isSQLite, "a file in place of the SQLite ledger"))
    func notADatabase() throws {
        let directory = TemporaryDirectory()
        try Data("this is not sqlite, just text that is long enough to look like a header".utf8)
            .write(to: URL(fileURLWithPath: directory.ledgerPath))
        #expect {
            try directory.openLedgerForReading()
        } throws: { error in
            if case .cannotOpen(let path, _)? = error as? LedgerError { return path == directory.ledgerPath }
            return false
        }
    }

    @Test("migrating twice changes nothing; the data stays")
    func reopenKeepsData() throws {
        let directory = TemporaryDirectory()
        _ = try directory.openLedger().record(try TaskBody.event(id: "kept", status: .failed))
        let again = try directory.openLedger()
        #expect(try again.task(id: TaskID("kept")!)?.task.status == .failed)
    }

    @Test("close folds the WAL into the file (SQLite) and closes every connection; the data is there on reopening")
    func closeCheckpoints() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        _ = try ledger.record(try TaskBody.event(id: "closed", status: .completed))
        if LedgerBackendUnderTest.isSQLite {
            let walBefore = try FileManager.default.attributesOfItem(atPath: directory.ledgerPath + "-wal")
            #expect((walBefore[.size] as? Int ?? 0) > 0)
        }
        try ledger.close()
        if LedgerBackendUnderTest.isSQLite {
            let wal = try? FileManager.default.attributesOfItem(atPath: directory.ledgerPath + "-wal")
            #expect((wal?[.size] as? Int ?? 0) == 0, "the WAL is empty or gone")
        } else {
            // A session's server process ends just after the client's goodbye.
            let database = try directory.postgresDatabaseName()
            #expect(try Polling.until(timeout: 10) {
                try PostgresCluster.shared().psql("SELECT count(*) FROM pg_stat_activity WHERE datname = '\(database)'")
                    .trimmingCharacters(in: .whitespacesAndNewlines) == "0"
            }, "every connection closed")
        }
        #expect(throws: LedgerError.self) { try ledger.record(try TaskBody.event(id: "late", status: .pending)) }
        #expect(try directory.openLedgerForReading().task(id: TaskID("closed")!)?.downloadJob != nil)
    }

    @Test("counts cover every status and job state")
    func counts() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        _ = try ledger.record(try TaskBody.event(id: "a", status: .completed))
        _ = try ledger.record(try TaskBody.event(id: "a", status: .completed))
        _ = try ledger.record(try TaskBody.event(id: "b", status: .pending))
        let counts = try ledger.counts()
        #expect(counts.tasksByStatus == [.pending: 1, .processing: 0, .completed: 1, .failed: 0, .cancelled: 0])
        #expect(counts.downloadJobsByState == [.queued: 1, .running: 0, .done: 0, .failed: 0])
        #expect(counts.events == 2)
        #expect(counts.duplicates == 1)
    }
}
