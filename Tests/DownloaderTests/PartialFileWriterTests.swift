import Archive
import Foundation
import Hashing
import TestSupport
import TLS
import Testing
@testable import Downloader

@Suite("The partial file writer keeps its writes on block boundaries")
struct PartialFileWriterTests {
    static let block = Int64(PartialFile.directAlignment)
    static let bufferBytes = 256 << 10

    /// Bytes that differ at every position, so a lost, repeated or moved block shows.
    static func pattern(_ count: Int, from start: Int = 0) -> [UInt8] {
        (start..<(start + count)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        let digest = SHA256Digest()
        digest.update(bytes)
        return digest.finishHex()
    }

    /// Writes `body` in TLS-record-sized pieces with a checkpoint every `every` bytes;
    /// after each checkpoint, checks what it promised.
    static func write(_ body: [UInt8], to writer: PartialFileWriter, checkpointEvery every: Int) throws {
        var sinceCheckpoint = 0
        var offset = 0
        while offset < body.count {
            let count = min(16_371, body.count - offset)  // a TLS 1.3 record's payload, give or take
            try body[offset..<(offset + count)].withUnsafeBytes { try writer.write($0) }
            offset += count
            sinceCheckpoint += count
            if sinceCheckpoint >= every {
                try writer.checkpoint()
                sinceCheckpoint = 0
                #expect(writer.durableLength % block == 0, "a checkpoint ends on a block boundary")
                #expect(writer.length - writer.durableLength < block, "and keeps under one block back")
                #expect(writer.file.length == writer.durableLength)
            }
        }
    }

    @Test("a resume from an unaligned length: the same bytes and hash, and all but the edges written direct")
    func unalignedResume() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("resume.0.part")
        let head = Self.pattern(1000)
        try Data(head).write(to: URL(fileURLWithPath: path))

        let file = try PartialFile(path: path)
        let writer = PartialFileWriter(file: file, digest: SHA256Digest(), bufferBytes: Self.bufferBytes)
        try writer.hashExistingBytes()
        let body = Self.pattern(3 << 20, from: head.count)
        try Self.write(body, to: writer, checkpointEvery: 700 << 10)
        try writer.finish()

        #expect(writer.durableLength == writer.length && writer.length == Int64(head.count + body.count))
        #expect(writer.sha256() == Self.sha256(head + body))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(head + body))
        if file.writesDirect {
            // Only the first buffer (which realigns) and the short last one go through the cache.
            #expect(file.directBytes >= Int64(body.count - Self.bufferBytes) - Self.block,
                    "\(file.directBytes) of \(body.count) bytes went direct")
            #expect(file.directBytes % Self.block == 0)
        } else {
            #expect(file.directBytes == 0)
        }
    }

    @Test("checkpointing everything leaves nothing in memory, and the writes after it realign")
    func checkpointEverythingThenRealign() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("pause.0.part")
        let file = try PartialFile(path: path)
        let writer = PartialFileWriter(file: file, digest: SHA256Digest(), bufferBytes: Self.bufferBytes)
        let first = Self.pattern(300_001)
        try first.withUnsafeBytes { try writer.write($0) }
        try writer.checkpointEverything()
        #expect(writer.durableLength == 300_001 && file.length == 300_001, "a pause saves every byte")

        let directBefore = file.directBytes
        let second = Self.pattern(2 << 20, from: first.count)
        try Self.write(second, to: writer, checkpointEvery: 1 << 20)
        try writer.finish()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(first + second))
        #expect(writer.sha256() == Self.sha256(first + second))
        if file.writesDirect {
            #expect(file.directBytes - directBefore >= Int64(second.count - Self.bufferBytes) - Self.block,
                    "after the unaligned pause, the writes realigned")
        }
    }

    @Test("a checkpoint before the first block boundary writes nothing yet; starting over drops it all")
    func checkpointUnderOneBlock() throws {
        let directory = TemporaryDirectory()
        let file = try PartialFile(path: directory.file("small.0.part"))
        let writer = PartialFileWriter(file: file, digest: SHA256Digest(), bufferBytes: Self.bufferBytes)
        try Self.pattern(100).withUnsafeBytes { try writer.write($0) }
        try writer.checkpoint()
        #expect(writer.length == 100 && writer.durableLength == 0 && file.length == 0)
        try writer.startOver()
        #expect(writer.length == 0 && file.length == 0)
        let body = Self.pattern(5000)
        try body.withUnsafeBytes { try writer.write($0) }
        try writer.checkpoint()
        #expect(writer.durableLength == Self.block)
        try writer.finish()
        #expect(try Data(contentsOf: URL(fileURLWithPath: file.path)) == Data(body))
        #expect(writer.sha256() == Self.sha256(body))
    }
}
