import Archive
import Foundation
import Glibc
import TestSupport
import Testing

/// Releasing a range of a file: its blocks go back to the file system, it reads as zeros,
/// its length and every byte outside the range stay.
@Suite("Released ranges of a file")
struct ReleaseBytesTests {
    let directory = TemporaryDirectory()

    /// Bytes the file system holds for the file (`st_blocks` counts 512-byte units).
    static func allocated(_ path: String) -> Int64 {
        var status = stat()
        guard stat(path, &status) == 0 else { return -1 }
        return Int64(status.st_blocks) * 512
    }

    @Test("a released range reads as zeros and no longer takes the disk; the length and the other bytes stay")
    func releaseKeepsLengthAndOtherBytes() throws {
        let path = directory.file("video.part")
        let bytes = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let fd = open(path, O_RDWR)
        #expect(fd >= 0)
        defer { close(fd) }
        _ = fsync(fd)
        let before = Self.allocated(path)
        #expect(before >= 3 << 20)

        let released = try ArchiveFileSystem.releaseBytes(fd: fd, path: path, offset: 0, length: 2 << 20)
        try #require(released, "this file system cannot punch holes")
        #expect(ArchiveFileSystem.fileSize(path) == 3 << 20)
        #expect(Self.allocated(path) <= before - (2 << 20), "allocated \(Self.allocated(path)) of \(before)")
        let after = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(after.count == bytes.count)
        #expect(after[..<(2 << 20)].allSatisfy { $0 == 0 })
        #expect(after[(2 << 20)...] == bytes[(2 << 20)...])
        // Releasing again, or nothing, is harmless.
        #expect(try ArchiveFileSystem.releaseBytes(fd: fd, path: path, offset: 0, length: 2 << 20))
        #expect(try ArchiveFileSystem.releaseBytes(fd: fd, path: path, offset: 5, length: 0))
    }

    @Test("a descriptor open only for reading cannot release: an error naming the file, not a silent no")
    func readOnlyDescriptorThrows() throws {
        let path = directory.file("read-only.part")
        try Data(repeating: 1, count: 8192).write(to: URL(fileURLWithPath: path))
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        #expect {
            _ = try ArchiveFileSystem.releaseBytes(fd: fd, path: path, offset: 0, length: 4096)
        } throws: { error in
            (error as? ArchiveError)?.errno == EBADF && "\(error)".contains(path)
        }
    }
}
