import Archive
import Foundation
import Testing
import TestSupport

@Suite("Partial files and atomic moves")
struct ArchiveFileSystemTests {
    @Test("a partial file appends, reads back, keeps its length across reopening, and truncates")
    func partialFileRoundTrip() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("t.0.part")
        do {
            let file = try PartialFile(path: path)
            #expect(file.length == 0)
            try [UInt8](repeating: 7, count: 1000).withUnsafeBytes { try file.append($0) }
            try Array("tail".utf8).withUnsafeBytes { try file.append($0) }
            try file.sync()
            #expect(file.length == 1004)
        }
        let reopened = try PartialFile(path: path)
        #expect(reopened.length == 1004)
        var buffer = [UInt8](repeating: 0, count: 8)
        let count = try buffer.withUnsafeMutableBytes { try reopened.read(into: $0, at: 998) }
        #expect(count == 6 && Array(buffer[0..<6]) == [7, 7] + Array("tail".utf8))
        try reopened.truncate(to: 10)
        #expect(reopened.length == 10 && ArchiveFileSystem.fileSize(path) == 10)
        try Array("x".utf8).withUnsafeBytes { try reopened.append($0) }
        #expect(ArchiveFileSystem.fileSize(path) == 11, "appends land at the new end")
    }

    @Test("whole aligned blocks go straight to the disk, everything else through the cache, and the bytes are the same")
    func partialFileWritesAlignedBlocksDirect() throws {
        let directory = TemporaryDirectory()
        // Whether this file system takes O_DIRECT at all, asked apart from PartialFile.
        let probe = directory.file("probe")
        _ = FileManager.default.createFile(atPath: probe, contents: nil)
        let probeFD = open(probe, O_WRONLY | __O_DIRECT)
        let fileSystemTakesDirect = probeFD >= 0
        if probeFD >= 0 { close(probeFD) }

        for direct in [true, false] {
            let path = directory.file("t-\(direct).0.part")
            let file = try PartialFile(path: path, direct: direct)
            #expect(file.writesDirect == (direct && fileSystemTakesDirect))
            let block = PartialFile.directAlignment
            let aligned = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 * block, alignment: block)
            defer { aligned.deallocate() }
            for index in 0..<aligned.count { aligned[index] = UInt8(truncatingIfNeeded: index * 7) }
            var expected = [UInt8]()

            // Three whole blocks direct, the 10 bytes after them through the cache.
            try file.append(UnsafeRawBufferPointer(rebasing: aligned[0..<(3 * block + 10)]))
            expected += aligned[0..<(3 * block + 10)]
            try Array("short tail".utf8).withUnsafeBytes { try file.append($0) }   // short: cache
            expected += Array("short tail".utf8)
            try file.append(UnsafeRawBufferPointer(rebasing: aligned[0..<block]))  // at an unaligned offset: cache
            expected += aligned[0..<block]
            try file.append(UnsafeRawBufferPointer(rebasing: aligned[1..<(block + 1)]))  // unaligned memory: cache
            expected += aligned[1..<(block + 1)]
            try file.sync()

            #expect(file.length == Int64(expected.count))
            #expect(file.directBytes == (file.writesDirect ? Int64(3 * block) : 0))
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(expected))
            file.close()
        }
    }

    @Test("opening a partial file in a folder that does not exist says which path and why")
    func partialFileErrorNamesPath() {
        #expect {
            _ = try PartialFile(path: "/nonexistent-archive/.partial/t.0.part")
        } throws: { error in
            let text = "\(error)"
            return text.contains("/nonexistent-archive/.partial/t.0.part") && text.contains("No such file")
        }
    }

    @Test("moving into place makes the day folders and replaces an older file")
    func moveIntoPlaceMakesFolders() throws {
        let directory = TemporaryDirectory()
        let source = directory.file("a.part")
        try Data("new".utf8).write(to: URL(fileURLWithPath: source))
        let destination = directory.file("2025/10/24/a.mp4")
        try ArchiveFileSystem.moveIntoPlace(source, to: destination)
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: destination)), as: UTF8.self) == "new")
        #expect(!ArchiveFileSystem.fileExists(source))
        try Data("newer".utf8).write(to: URL(fileURLWithPath: source))
        try ArchiveFileSystem.moveIntoPlace(source, to: destination)
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: destination)), as: UTF8.self) == "newer")
    }

    @Test("a folder where a file should be is an error, not a silent overwrite")
    func fileInTheWayOfAFolder() throws {
        let directory = TemporaryDirectory()
        try Data().write(to: URL(fileURLWithPath: directory.file("2025")))
        #expect(throws: ArchiveError.self) { try ArchiveFileSystem.makeDirectories(directory.file("2025/10")) }
    }

    @Test("an atomic write leaves the whole new file and no temporary behind")
    func atomicWrite() throws {
        let directory = TemporaryDirectory()
        let destination = directory.file("day/t.json")
        let temporary = directory.file(".partial/t.json.part")
        try ArchiveFileSystem.writeAtomically(Array("{\"a\":1}\n".utf8), to: destination, through: temporary)
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: destination)), as: UTF8.self) == "{\"a\":1}\n")
        #expect(!ArchiveFileSystem.fileExists(temporary))
    }

    @Test("the sweep removes partial files no job owns and keeps the owners' and folders")
    func sweepRemovesOrphans() throws {
        let directory = TemporaryDirectory()
        let layout = ArchiveLayout(root: directory.path)
        try ArchiveFileSystem.makeDirectories(layout.partialDirectory + "/someone-elses-folder")
        for name in ["kept.0.part", "kept.1.part", "kept.json.part", "gone.0.part", "gone.json.part", "notes.txt"] {
            try Data("x".utf8).write(to: URL(fileURLWithPath: layout.partialDirectory + "/" + name))
        }
        let removed = try PartialFileSweeper.removeOrphans(in: layout, owners: ["kept"])
        #expect(removed == ["gone.0.part", "gone.json.part", "notes.txt"])
        let left = try FileManager.default.contentsOfDirectory(atPath: layout.partialDirectory).sorted()
        #expect(left == ["kept.0.part", "kept.1.part", "kept.json.part", "someone-elses-folder"])
    }

    @Test("a missing .partial folder has nothing to sweep")
    func sweepWithoutFolder() throws {
        let directory = TemporaryDirectory()
        #expect(try PartialFileSweeper.removeOrphans(in: ArchiveLayout(root: directory.path), owners: []).isEmpty)
    }

    @Test("free space is the statvfs figure for unprivileged use, and a missing path is an error")
    func diskSpace() throws {
        let directory = TemporaryDirectory()
        let free = try DiskSpace.availableBytes(at: directory.path)
        var info = statvfs()
        #expect(statvfs(directory.path, &info) == 0)
        let expected = Int64(info.f_bavail) * Int64(info.f_frsize)
        #expect(abs(free - expected) < 64 << 20, "free \(free), statvfs \(expected)")
        #expect(throws: ArchiveError.self) { try DiskSpace.availableBytes(at: directory.file("missing")) }
    }
}
