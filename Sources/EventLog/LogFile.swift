#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The log file: whole lines appended from any number of threads, reopened on SIGHUP.
///
/// Each line goes out in one `write(2)` on a descriptor opened with `O_APPEND`, so the
/// kernel places it at the end of the file atomically: concurrent writers never
/// interleave inside a line, and a line is never split between the old and the new file
/// when logrotate renames the file away.
public final class LogFile: Sendable {
    /// The descriptor in use and the path it was opened from. Writers take a reference
    /// to the handle under the lock and write outside it; `reopen` swaps the handle, and
    /// the old descriptor closes only when the last writer that holds it lets go.
    private struct State {
        var path: String
        var handle: FileDescriptorHandle
    }

    private let state: Mutex<State>
    /// Standard error, or a pipe in tests; nil when lines go to the file only.
    private let mirrorDescriptor: Int32?
    /// Keeps mirrored lines whole on a terminal or the journal's stream socket, where
    /// the kernel promises no atomic writes.
    private let mirrorLock = Mutex(())
    private let failures = Atomic<Int>(0)
    /// Where a failing log file is reported: standard error, which systemd sends to the
    /// journal, so the operator learns of it somewhere other than the log that fails.
    private let noticeDescriptor: Int32
    /// Writes are failing, and that has been said: once per outage, not once per line.
    private let failing = Atomic<Bool>(false)

    /// Opens (creating if needed) the log file at `path` for appending.
    ///
    /// - Parameter mirrorToStderr: also copy every line to standard error; see
    ///   ``StderrMirrorPolicy`` for when a daemon wants that.
    /// - Throws: ``LogFileError`` naming the path and the system's reason.
    public convenience init(path: String, mirrorToStderr: Bool = false) throws(LogFileError) {
        try self.init(path: path, mirrorDescriptor: mirrorToStderr ? STDERR_FILENO : nil)
    }

    init(path: String, mirrorDescriptor: Int32?, noticeDescriptor: Int32 = STDERR_FILENO) throws(LogFileError) {
        let handle = try FileDescriptorHandle.openForAppending(path: path)
        self.state = Mutex(State(path: path, handle: handle))
        self.mirrorDescriptor = mirrorDescriptor
        self.noticeDescriptor = noticeDescriptor
    }

    /// The path lines currently go to.
    public var path: String {
        state.withLock { $0.path }
    }

    /// Lines that could not be written (disk full, file system gone). A log handler has
    /// nobody to throw to, so the count is kept for metrics
    /// (`videohookd_log_lines_dropped_total`), and the first failure of an outage is said
    /// on standard error.
    public var failedWrites: Int {
        failures.load(ordering: .relaxed)
    }

    /// Opens the configured path again, or `newPath` when the settings changed it, and
    /// sends every following line there. Call it on SIGHUP after logrotate renamed the
    /// file away. When the new file cannot be opened, lines keep going to the old one.
    public func reopen(at newPath: String? = nil) throws(LogFileError) {
        let target = newPath ?? path
        let handle = try FileDescriptorHandle.openForAppending(path: target)
        state.withLock { state in
            state = State(path: target, handle: handle)
        }
    }

    /// Appends `line` and a newline in a single write. Lines from the logfmt handler are
    /// already escaped; a line break in a line written here directly becomes `\n` or
    /// `\r`, so one call is always one line.
    public func write(line: String) {
        var line = line
        write(bytes: line.withUTF8 { Self.lineBytes($0) })
    }

    /// Appends a line given as UTF-8 (the logfmt handler's), under the same rule as
    /// ``write(line:)``: a line break in it is escaped, so one call is one line.
    func write(utf8 line: [UInt8]) {
        var line = line
        // The handler's lines are escaped already: then the newline goes on in place.
        if line.withUnsafeBufferPointer(Self.hasLineBreak) {
            write(bytes: line.withUnsafeBufferPointer { Self.lineBytes($0) })
        } else {
            line.append(0x0A)
            write(bytes: line)
        }
    }

    private func write(bytes: [UInt8]) {
        let (handle, path) = state.withLock { ($0.handle, $0.path) }
        if let code = Self.writeAll(bytes, to: handle.fd) {
            let dropped = failures.add(1, ordering: .relaxed).newValue
            if !failing.exchange(true, ordering: .relaxed) {
                tell("videohookd: cannot write the log file \(path): \(String(cString: strerror(code))) (errno \(code)); "
                     + "log lines are dropped, and counted in videohookd_log_lines_dropped_total (\(dropped) so far), "
                     + "until it can be written again")
            }
        } else if failing.load(ordering: .relaxed), failing.exchange(false, ordering: .relaxed) {
            tell("videohookd: the log file \(path) is written again; \(failedWrites) lines dropped since start")
        }
        if let mirrorDescriptor {
            mirrorLock.withLock { _ in
                _ = Self.writeAll(bytes, to: mirrorDescriptor)
            }
        }
    }

    /// One line on the notice descriptor, whole even when it is also the mirror.
    private func tell(_ notice: String) {
        let bytes = Array((notice + "\n").utf8)
        mirrorLock.withLock { _ in _ = Self.writeAll(bytes, to: noticeDescriptor) }
    }

    /// The line's bytes and a newline. memchr finds a stray line break fast; the rare
    /// line that has one is rebuilt with the break escaped.
    private static func lineBytes(_ utf8: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(utf8.count + 1)
        if hasLineBreak(utf8) {
            for byte in utf8 {
                switch byte {
                case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                default: bytes.append(byte)
                }
            }
        } else {
            bytes.append(contentsOf: utf8)
        }
        bytes.append(0x0A)
        return bytes
    }

    private static func hasLineBreak(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        utf8.count > 0 && (memchr(utf8.baseAddress!, 0x0A, utf8.count) != nil
            || memchr(utf8.baseAddress!, 0x0D, utf8.count) != nil)
    }

    /// Writes the whole buffer: one `write(2)` in every normal case; a short write (a
    /// signal, a nearly full disk) is finished rather than dropped. Nil when written,
    /// else the errno of the failure.
    private static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Int32? {
        bytes.withUnsafeBytes { buffer -> Int32? in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return nil
        }
    }
}

/// An open descriptor that closes itself when the last reference goes away.
/// Immutable after init, so sharing it between threads is safe.
final class FileDescriptorHandle: Sendable {
    let fd: Int32

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        close(fd)
    }

    static func openForAppending(path: String) throws(LogFileError) -> FileDescriptorHandle {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw LogFileError(path: path, errno: errno)
        }
        return FileDescriptorHandle(fd: fd)
    }
}
