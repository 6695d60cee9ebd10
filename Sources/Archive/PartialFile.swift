import Glibc

/// A download in progress: one file in `<archive>/.partial`, written at its end, read
/// back to re-hash what is already there, cut back to a known good length, and fsynced
/// before its length is trusted.
///
/// Not thread-safe: a partial file belongs to the one worker downloading it.
public final class PartialFile {
    public let path: String
    private var fd: Int32
    /// The length written so far, including bytes not yet fsynced.
    public private(set) var length: Int64

    /// Opens the file, creating it (mode 0644) when missing; the write position is its end.
    public init(path: String) throws(ArchiveError) {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ArchiveError("open", path: path) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let error = ArchiveError("stat", path: path)
            Glibc.close(fd)
            throw error
        }
        length = Int64(status.st_size)
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// Appends every byte of `bytes`.
    public func append(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        var offset = 0
        while offset < bytes.count {
            let written = pwrite(fd, bytes.baseAddress! + offset, bytes.count - offset, off_t(length))
            if written < 0 {
                if errno == EINTR { continue }
                throw ArchiveError("write", path: path)
            }
            offset += written
            length += Int64(written)
        }
    }

    /// Cuts the file to `newLength` bytes (0 to start over) and fsyncs, so a crash right
    /// after cannot bring the cut bytes back under an offset that no longer holds them.
    public func truncate(to newLength: Int64) throws(ArchiveError) {
        guard ftruncate(fd, off_t(newLength)) == 0 else { throw ArchiveError("truncate", path: path) }
        length = newLength
        try sync()
    }

    /// Flushes the data and length to the disk; only then may the length be recorded.
    public func sync() throws(ArchiveError) {
        guard fsync(fd) == 0 else { throw ArchiveError("fsync", path: path) }
    }

    /// Flushes the data and what is needed to read it back (the length), not the times:
    /// enough for a resume offset, cheaper than `sync()`.
    public func syncData() throws(ArchiveError) {
        guard fdatasync(fd) == 0 else { throw ArchiveError("fdatasync", path: path) }
    }

    /// Starts writing `count` bytes at `offset` to the disk now, without waiting, and lets
    /// the kernel drop them from its cache once they are clean. Linux starts writeback for
    /// POSIX_FADV_DONTNEED: the disk works while the network does, so the next `syncData()`
    /// finds little left to wait for, and a large download does not crowd the page cache.
    public func startWriteback(offset: Int64, count: Int64) {
        _ = posix_fadvise(fd, off_t(offset), off_t(count), POSIX_FADV_DONTNEED)
    }

    /// Reads up to `buffer.count` bytes at `offset`; 0 at the end of the file.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(ArchiveError) -> Int {
        while true {
            let count = pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
            if count >= 0 { return count }
            if errno != EINTR { throw ArchiveError("read", path: path) }
        }
    }

    /// Tells the kernel the file is read once from start to end (a re-hash): read ahead
    /// and drop the pages after.
    public func adviseSequentialRead() {
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
    }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}
