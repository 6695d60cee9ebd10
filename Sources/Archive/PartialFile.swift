import Glibc

/// A download in progress: one file in `<archive>/.partial`, written at its end, read
/// back to re-hash what is already there, cut back to a known good length, and fsynced
/// before its length is trusted.
///
/// Whole aligned blocks go straight to the disk (`O_DIRECT`), past the page cache: a
/// video is written once and read rarely, and through the cache every byte costs a copy
/// into it and a writeback after, which on the work disk was a fifth of its direct
/// speed. Anything else (a last short block, a write at an offset a resume left
/// unaligned) goes through the cache as usual, and a file system that refuses
/// `O_DIRECT` gets every write that way. Both reach the disk at `sync()`.
///
/// Not thread-safe: a partial file belongs to the one worker downloading it.
public final class PartialFile {
    /// What a write must line up to, in memory, offset and length, to go straight to the
    /// disk: a page, which covers the 512- and 4096-byte blocks of common disks.
    public static let directAlignment = 4096

    public let path: String
    private var fd: Int32
    /// The same file opened with `O_DIRECT`, or -1 when the file system refused it.
    private var directFD: Int32 = -1
    /// The length written so far, including bytes not yet fsynced.
    public private(set) var length: Int64
    /// The bytes of `length` that went straight to the disk.
    public private(set) var directBytes: Int64 = 0

    /// Opens the file, creating it (mode 0644) when missing; the write position is its end.
    /// - Parameter direct: write whole aligned blocks with `O_DIRECT` when the file system
    ///   allows it.
    public init(path: String, direct: Bool = true) throws(ArchiveError) {
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
        if direct {
            // Glibc names it O_DIRECT only under _GNU_SOURCE; __O_DIRECT is the same
            // number for this architecture. A file system without it (EINVAL) is fine.
            directFD = open(path, O_WRONLY | O_CLOEXEC | __O_DIRECT)
        }
    }

    deinit { close() }

    /// Whether writes of whole aligned blocks go straight to the disk.
    public var writesDirect: Bool { directFD >= 0 }

    /// Appends every byte of `bytes`: its whole blocks straight to the disk when they
    /// line up, the rest through the cache.
    public func append(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        var offset = try appendDirect(UnsafeRawBufferPointer(rebasing: bytes[0..<directPrefix(of: bytes)]))
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

    /// How many of `bytes`, from the start, can go straight to the disk: whole blocks,
    /// when the memory and the file's end both sit on a block boundary.
    private func directPrefix(of bytes: UnsafeRawBufferPointer) -> Int {
        let alignment = Self.directAlignment
        guard directFD >= 0, let base = bytes.baseAddress,
              Int(bitPattern: base) % alignment == 0, length % Int64(alignment) == 0 else { return 0 }
        return bytes.count - bytes.count % alignment
    }

    /// Writes `bytes` with `O_DIRECT`; returns how many went: all of them, unless the
    /// file system turned out to refuse such writes (EINVAL: the file writes through
    /// the cache from then on) or a short write left an unaligned rest.
    private func appendDirect(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) -> Int {
        var offset = 0
        while offset < bytes.count {
            let written = pwrite(directFD, bytes.baseAddress! + offset, bytes.count - offset, off_t(length))
            if written < 0 {
                if errno == EINTR { continue }
                if errno == EINVAL {
                    Glibc.close(directFD)
                    directFD = -1
                    return offset
                }
                throw ArchiveError("write", path: path)
            }
            offset += written
            length += Int64(written)
            directBytes += Int64(written)
            if written % Self.directAlignment != 0 { return offset }
        }
        return offset
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
        if directFD >= 0 { Glibc.close(directFD) }
        fd = -1
        directFD = -1
    }
}
