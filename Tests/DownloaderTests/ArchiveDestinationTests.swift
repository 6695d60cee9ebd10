import Foundation
import Hashing
import Ledger
import TestSupport
import Testing
@testable import Downloader

/// The seam between the download and where it is archived, with a destination that
/// records what it is told (and refuses when asked to), so each promise of
/// `ArchiveSession` is checked without a bucket.
@Suite("The archive destination seam", .serialized)
struct ArchiveDestinationTests {
    final class RecordingDestination: ArchiveDestination, @unchecked Sendable {
        // @unchecked: every field is touched under `lock`.
        private let lock = NSLock()
        private var calls: [String] = []
        private var durableSeen: [Int64] = []
        private var statesSeen: [(state: SHA256Midstate, durable: Int64)] = []
        private var refusalsLeft: Int
        private var openingAnswer = VideoOpening()
        let ledger: Ledger

        init(ledger: Ledger, refusals: Int = 0) {
            self.ledger = ledger
            refusalsLeft = refusals
        }

        var events: [String] { lock.lock(); defer { lock.unlock() }; return calls }
        var durable: [Int64] { lock.lock(); defer { lock.unlock() }; return durableSeen }
        /// Every digest state heard, with the durable bytes it came with.
        var states: [(state: SHA256Midstate, durable: Int64)] { lock.lock(); defer { lock.unlock() }; return statesSeen }
        /// What `videoOpened` answers (nothing unless set).
        var opening: VideoOpening {
            get { lock.lock(); defer { lock.unlock() }; return openingAnswer }
            set { lock.lock(); openingAnswer = newValue; lock.unlock() }
        }

        func noteStates(_ states: [SHA256Midstate], durable: Int64) {
            lock.lock()
            statesSeen += states.map { ($0, durable) }
            lock.unlock()
        }

        func note(_ call: String, durable: Int64? = nil) {
            lock.lock()
            calls.append(call)
            if let durable { durableSeen.append(durable) }
            lock.unlock()
        }

        /// True when this finish should refuse.
        func refuse() -> Bool {
            lock.lock()
            defer { lock.unlock() }
            guard refusalsLeft > 0 else { return false }
            refusalsLeft -= 1
            return true
        }

        func begin(_ job: ArchiveJob) -> any ArchiveSession {
            note("begin \(job.attempt)")
            return Session(destination: self)
        }

        final class Session: ArchiveSession {
            let destination: RecordingDestination
            init(destination: RecordingDestination) { self.destination = destination }
            func videoOpened(path: String, durableBytes: Int64, releasable: Bool) -> VideoOpening {
                destination.note("opened \(durableBytes)")
                return destination.opening
            }
            func responseStarted(contentType: String?, offset: Int64) { destination.note("response \(offset)") }
            func willDiscard() { destination.note("discard") }
            func durable(bytes: Int64, digestStates: [SHA256Midstate]) {
                destination.note("durable", durable: bytes)
                destination.noteStates(digestStates, durable: bytes)
            }
            func finish(_ download: ArchivableDownload) throws(ArchiveFailure) -> String {
                destination.note("finish \(download.video.bytes) \(download.video.sha256)")
                if destination.refuse() { throw ArchiveFailure(.waiting, "the store said no") }
                do {
                    try destination.ledger.markDownloadDone(taskID: download.taskID, archivePath: "elsewhere://x",
                                                            sha256: download.video.sha256, bytes: download.video.bytes)
                } catch {
                    throw ArchiveFailure(.temporary, "\(error)")
                }
                return "elsewhere://x"
            }
            func end(_ ending: ArchiveSessionEnding) {
                switch ending {
                case .done: destination.note("end done")
                case .stopped: destination.note("end stopped")
                case .retrying(_, let reason): destination.note("end retrying \(reason)")
                case .failed(let reason): destination.note("end failed \(reason)")
                }
            }
        }
    }

    @Test("the destination hears each durable checkpoint as it comes, then the whole file once, then the end")
    func durableThenFinish() throws {
        let harness = try DownloadHarness()
        let expected = try harness.server.makeFile("seam.bin", size: 3 << 20)
        let destination = RecordingDestination(ledger: harness.ledger)
        harness.destination = destination
        try harness.addCompletedTask("task-seam", results: [
            harness.server.url("seam.bin", query: "key=\(uniqueKey("seam"))&chunk_bytes=262144&pace=0.05"),
        ])
        try harness.start()
        let job = try #require(try harness.waitForJob("task-seam"))
        #expect(job.state == .done && job.archivePath == "elsewhere://x")
        let events = destination.events
        #expect(events.first == "begin 1" && events.dropFirst().first == "opened 0" && events.dropFirst(2).first == "response 0")
        #expect(events.suffix(2) == ["finish \(3 << 20) \(expected)", "end done"], "\(events)")
        let durable = destination.durable
        #expect(durable.count >= 2 && durable == durable.sorted() && (durable.last ?? 0) <= 3 << 20, "\(durable)")
        #expect(durable.first.map { $0 < 3 << 20 } == true, "no checkpoint came before the end: \(durable)")
        // The file archive was not used.
        #expect(harness.archivedFiles().isEmpty)
    }

    @Test("a destination that refuses makes the job wait past its link's deadline, the video whole, not fetched again")
    func waitingPastTheDeadline() throws {
        let harness = try DownloadHarness()
        let expected = try harness.server.makeFile("seam-wait.bin", size: 500_000)
        let destination = RecordingDestination(ledger: harness.ledger, refusals: 2)
        harness.destination = destination
        let key = uniqueKey("seamwait")
        try harness.addCompletedTask("task-seam-wait", results: [harness.server.url("seam-wait.bin", query: "key=\(key)")],
                                     created: Date(timeIntervalSinceNow: -25 * 3600))
        try harness.start()
        let job = try #require(try harness.waitForJob("task-seam-wait"))
        #expect(job.state == .done, "\(job.lastError ?? "") \(harness.logs.text)")
        #expect(job.attempts == 2 && job.sha256 == expected)
        let events = destination.events
        #expect(events.filter { $0.hasPrefix("end retrying the store said no") }.count == 2, "\(events)")
        #expect(events.filter { $0.hasPrefix("finish") }.count == 3)
        // Fetched once: the retries started from the whole file on disk.
        #expect(harness.server.requests(key: key).count == 1)
    }
}
