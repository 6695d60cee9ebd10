import Foundation
import Testing
@testable import EventLog
import TestSupport

@Suite("LogFile")
struct LogFileTests {
    let folder = TemporaryDirectory()

    @Test("A file that cannot be opened is an error naming the path and the reason")
    func openFailureNamesPathAndReason() {
        let path = folder.file("missing-folder/videohookd.log")
        #expect {
            _ = try LogFile(path: path)
        } throws: { error in
            guard let error = error as? LogFileError else { return false }
            return error.errno == ENOENT
                && error.description.contains(path)
                && error.description.contains("No such file or directory")
        }
    }

    @Test("Many threads writing at once produce only whole lines, none lost")
    func concurrentWritersWriteWholeLines() throws {
        let file = try LogFile(path: folder.file("videohookd.log"))
        let threads = 8
        let linesPerThread = 500
        // Lengths up to 9 KiB, past one page, one letter per thread, so that a torn or
        // interleaved write would show.
        let bodies = (0..<threads).map { thread in
            (0..<linesPerThread).map { index in
                String(repeating: Character(UnicodeScalar(UInt8(65 + thread))), count: (index * 37) % 9_000)
            }
        }
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for index in 0..<linesPerThread {
                file.write(line: "thread=\(thread) index=\(index) body=\(bodies[thread][index]) end=1")
            }
        }
        let lines = try folder.lines(of: "videohookd.log")
        #expect(lines.count == threads * linesPerThread)
        var seen = Set<String>()
        for line in lines {
            // A torn or interleaved line breaks this shape: four fields, one letter repeated.
            let fields = line.utf8.split(separator: 0x20, omittingEmptySubsequences: false)
                .map { String(Substring($0)) }
            try #require(fields.count == 4 && fields[3] == "end=1", "torn line: \(line.prefix(80))")
            let thread = try #require(Int(fields[0].dropFirst("thread=".count)))
            let index = try #require(Int(fields[1].dropFirst("index=".count)))
            let body = fields[2].dropFirst("body=".count)
            #expect(body == bodies[thread][index])
            seen.insert("\(thread)/\(index)")
        }
        #expect(seen.count == threads * linesPerThread)
    }

    @Test("After logrotate renames the file, reopen starts a new file and the old keeps its lines")
    func reopenAfterRename() throws {
        let path = folder.file("videohookd.log")
        let file = try LogFile(path: path)
        file.write(line: "event=before")
        try FileManager.default.moveItem(atPath: path, toPath: folder.file("videohookd.log.1"))
        file.write(line: "event=still.old")
        try file.reopen()
        file.write(line: "event=after")

        #expect(try folder.lines(of: "videohookd.log.1") == ["event=before", "event=still.old"])
        #expect(try folder.lines(of: "videohookd.log") == ["event=after"])
    }

    @Test("Reopen can move the log to a new path from reloaded settings")
    func reopenAtNewPath() throws {
        let file = try LogFile(path: folder.file("a.log"))
        file.write(line: "event=one")
        try file.reopen(at: folder.file("b.log"))
        file.write(line: "event=two")
        #expect(file.path == folder.file("b.log"))
        #expect(try folder.lines(of: "a.log") == ["event=one"])
        #expect(try folder.lines(of: "b.log") == ["event=two"])
    }

    @Test("A reopen that fails keeps writing to the old file")
    func failedReopenKeepsOldFile() throws {
        let file = try LogFile(path: folder.file("a.log"))
        #expect(throws: LogFileError.self) {
            try file.reopen(at: folder.file("no/such/folder.log"))
        }
        file.write(line: "event=kept")
        #expect(file.path == folder.file("a.log"))
        #expect(try folder.lines(of: "a.log") == ["event=kept"])
        #expect(file.failedWrites == 0)
    }

    @Test("A line break in a line written directly cannot start a second line")
    func directWriteStaysOneLine() throws {
        let file = try LogFile(path: folder.file("videohookd.log"))
        file.write(line: "event=a x=1\nevent=forged\r")
        #expect(try folder.lines(of: "videohookd.log") == [#"event=a x=1\nevent=forged\r"#])
    }

    @Test("A line given as bytes is held to the same rule: one call, one line")
    func byteWriteStaysOneLine() throws {
        let file = try LogFile(path: folder.file("videohookd.log"))
        file.write(utf8: Array("event=a\nevent=forged".utf8))
        file.write(utf8: Array("event=b".utf8))
        #expect(try folder.lines(of: "videohookd.log") == [#"event=a\nevent=forged"#, "event=b"])
    }

    @Test("The file is appended to, never truncated, when opened again")
    func appendsToExistingFile() throws {
        let path = folder.file("videohookd.log")
        try "event=earlier\n".write(toFile: path, atomically: false, encoding: .utf8)
        let file = try LogFile(path: path)
        file.write(line: "event=later")
        #expect(try folder.lines(of: "videohookd.log") == ["event=earlier", "event=later"])
    }

    @Test("Mirroring copies every line to the mirror descriptor too")
    func mirrorCopiesLines() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let file = try LogFile(path: folder.file("videohookd.log"), mirrorDescriptor: fds[1])
        file.write(line: "event=one")
        file.write(line: "event=two")
        close(fds[1])
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = read(fds[0], &buffer, buffer.count)
        #expect(String(decoding: buffer[0..<max(0, count)], as: UTF8.self) == "event=one\nevent=two\n")
        #expect(try folder.lines(of: "videohookd.log") == ["event=one", "event=two"])
    }

    /// What was written to the read end of a pipe whose write end is closed.
    func drain(_ fd: Int32) -> String {
        var text: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { break }
            text.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: text, as: UTF8.self)
    }

    @Test("A write that fails is counted, not lost silently")
    func failedWritesAreCounted() throws {
        // /dev/full accepts an open for writing and fails every write with ENOSPC.
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let file = try LogFile(path: "/dev/full", mirrorDescriptor: nil, noticeDescriptor: fds[1])
        file.write(line: "event=nowhere")
        #expect(file.failedWrites == 1)
        close(fds[1])
        #expect(drain(fds[0]).contains("No space left on device"))
    }

    @Test("A log on a full disk is said once on stderr, not once a line; its recovery once too, and a new outage again")
    func fullDiskIsSaidOnce() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let file = try LogFile(path: "/dev/full", mirrorDescriptor: nil, noticeDescriptor: fds[1])
        for index in 0..<50 { file.write(line: "event=lost n=\(index)") }
        #expect(file.failedWrites == 50)
        // Space again (here: the log moved to a writable file).
        try file.reopen(at: folder.file("videohookd.log"))
        file.write(line: "event=back")
        file.write(line: "event=still")
        try file.reopen(at: "/dev/full")
        file.write(line: "event=lost-again")
        file.write(utf8: Array("event=lost-again-too".utf8))
        #expect(file.failedWrites == 52)
        close(fds[1])
        let notices = drain(fds[0]).split(separator: "\n").map(String.init)
        #expect(notices.count == 3, "\(notices)")
        #expect(notices.first == "videohookd: cannot write the log file /dev/full: No space left on device (errno 28); log lines "
                + "are dropped, and counted in videohookd_log_lines_dropped_total (1 so far), until it can be written again")
        #expect(notices.dropFirst().first?.hasPrefix("videohookd: the log file \(folder.file("videohookd.log")) is written again; "
                                                     + "50 lines dropped since start") == true)
        #expect(notices.last?.contains("(51 so far)") == true)
        #expect(try folder.lines(of: "videohookd.log") == ["event=back", "event=still"])
    }
}
