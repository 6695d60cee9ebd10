import Archive
import Foundation
import Hashing
import Ledger
import TestSupport
import Testing
@testable import Downloader

/// What a destination that releases the bytes it holds (a bucket) needs from the
/// download: the digest's state at its marks, a checkpoint at each, and a resume that
/// continues the digest from its recorded state instead of reading bytes no longer on
/// the disk, or starts the file over when it has no such state.
@Suite("The digest's states and released bytes", .serialized)
struct DigestStateTests {
    typealias RecordingDestination = ArchiveDestinationTests.RecordingDestination

    /// The file server's copy of `name`, as the tests' reference.
    static func bytes(of name: String, in harness: DownloadHarness) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: harness.server.root + "/" + name)))
    }

    static func state(of bytes: ArraySlice<UInt8>) -> SHA256Midstate {
        let digest = SHA256Digest()
        digest.update(Array(bytes))
        return digest.midstate()
    }

    @Test("with marks every MiB: a checkpoint right after each, and the digest's state at each, within the bytes it comes with")
    func statesAtMarks() throws {
        let harness = try DownloadHarness {
            // Only the marks (and the end) checkpoint.
            $0.checkpointBytes = 1 << 40
            $0.checkpointInterval = .seconds(3600)
        }
        let size = (3 << 20) + 300_000
        let expected = try harness.server.makeFile("marks.bin", size: size)
        let content = try Self.bytes(of: "marks.bin", in: harness)
        let destination = RecordingDestination(ledger: harness.ledger)
        destination.opening = VideoOpening(markInterval: 1 << 20)
        harness.destination = destination
        try harness.addCompletedTask("task-marks", results: [
            harness.server.url("marks.bin", query: "key=\(uniqueKey("marks"))&chunk_bytes=65536"),
        ])
        try harness.start()
        let job = try #require(try harness.waitForJob("task-marks"))
        #expect(job.state == .done && job.sha256 == expected, "\(job.lastError ?? "") \(harness.logs.text)")

        let states = destination.states
        #expect(states.map(\.state.byteCount) == [1 << 20, 2 << 20, 3 << 20], "\(states.map(\.state.byteCount))")
        for (state, durable) in states {
            #expect(state.byteCount <= durable, "a state past the durable bytes it came with")
            // Within a network read (256 KiB) and a page of the mark: the checkpoint came at once.
            #expect(durable - state.byteCount < 300 << 10, "the checkpoint came \(durable - state.byteCount) bytes late")
            #expect(state == Self.state(of: content[..<Int(state.byteCount)]))
            // A digest resumed from it and fed the rest gives the file's.
            let resumed = SHA256Digest(resumingFrom: state)
            resumed.update(Array(content[Int(state.byteCount)...]))
            #expect(resumed.finishHex() == expected)
        }
        // Without marks, no checkpoint before the end: the marks made the three.
        #expect(destination.durable.filter { $0 < Int64(size) }.count == 3, "\(destination.durable)")
    }

    /// A first run stopped with its partial file past 2 MiB (the server stalls at 60 %),
    /// then the file's first MiB released as a bucket would: zeros on the disk, and
    /// `bytes_released` in the ledger. Returns the durable bytes.
    func stoppedWithReleasedBytes(_ harness: DownloadHarness, task: String, name: String,
                                  key: String) throws -> Int64 {
        try harness.addCompletedTask(task, results: [
            harness.server.url(name, query: "key=\(key)&stall=0.6&stall_seconds=30&times=1"),
        ])
        try harness.start()
        #expect(try harness.waitUntil { (try harness.ledger.downloadJob(taskID: task)?.bytesDone ?? 0) >= 2 << 20 })
        Thread.sleep(forTimeInterval: 0.3)
        #expect(harness.stop())
        let saved = try #require(try harness.ledger.downloadJob(taskID: task))
        let partial = try #require(saved.partialPath)
        let fd = open(partial, O_RDWR)
        defer { close(fd) }
        try #require(try ArchiveFileSystem.releaseBytes(fd: fd, path: partial, offset: 0, length: 1 << 20))
        try harness.ledger.recordDownloadBytesReleased(taskID: task, bytes: 1 << 20)
        return saved.bytesDone
    }

    @Test("released first bytes and the destination's state at their end: only the bytes after it are read, the SHA-256 is the file's")
    func resumeFromState() throws {
        let harness = try DownloadHarness { $0.readTimeout = .seconds(20) }
        let expected = try harness.server.makeFile("released.bin", size: 4 << 20)
        let content = try Self.bytes(of: "released.bin", in: harness)
        let key = uniqueKey("released")
        let destination = RecordingDestination(ledger: harness.ledger)
        harness.destination = destination
        let saved = try stoppedWithReleasedBytes(harness, task: "task-released", name: "released.bin", key: key)

        destination.opening = VideoOpening(digestState: Self.state(of: content[..<(1 << 20)]))
        try harness.start()
        let job = try #require(try harness.waitForJob("task-released"))
        #expect(job.state == .done && job.sha256 == expected, "\(job.lastError ?? "") \(harness.logs.text)")
        let requests = harness.server.requests(key: key)
        #expect(requests.last?.range == "bytes=\(saved)-", "resumed where it stopped")
        let resumed = try #require(harness.logs.events("download.digest_resumed", task: "task-released").first)
        #expect(resumed.metadata["from_bytes"] == "\(1 << 20)" && resumed.metadata["rehashed_bytes"] == "\(saved - (1 << 20))")
        #expect(harness.logs.events("download.restarted", task: "task-released").isEmpty)
        #expect(!destination.events.contains("discard"))
    }

    @Test("released first bytes and no state that covers them: the file starts over, the destination told first")
    func releasedWithoutStateStartsOver() throws {
        let harness = try DownloadHarness { $0.readTimeout = .seconds(20) }
        let expected = try harness.server.makeFile("released-over.bin", size: 4 << 20)
        let content = try Self.bytes(of: "released-over.bin", in: harness)
        let key = uniqueKey("relover")
        let destination = RecordingDestination(ledger: harness.ledger)
        harness.destination = destination
        _ = try stoppedWithReleasedBytes(harness, task: "task-relover", name: "released-over.bin", key: key)

        // A state short of the released bytes is no better than none.
        destination.opening = VideoOpening(digestState: Self.state(of: content[..<(512 << 10)]))
        try harness.start()
        let job = try #require(try harness.waitForJob("task-relover"))
        #expect(job.state == .done && job.sha256 == expected, "\(job.lastError ?? "") \(harness.logs.text)")
        #expect(job.bytesReleased == 0)
        let requests = harness.server.requests(key: key)
        #expect(requests.count == 2 && requests.last?.range == nil, "fetched again from the first byte")
        let restarted = try #require(harness.logs.events("download.restarted", task: "task-relover").first)
        #expect(restarted.metadata["reason"]?.contains("released") == true)
        // The second attempt: opened with the bytes kept, told of the discard, then the file from 0.
        let events = destination.events
        let opened = try #require(events.lastIndex { $0.hasPrefix("opened") })
        #expect(events[opened] != "opened 0" && Array(events[(opened + 1)...].prefix(2)) == ["discard", "response 0"],
                "\(events)")
        #expect(harness.logs.events("download.digest_resumed", task: "task-relover").isEmpty)
    }
}
