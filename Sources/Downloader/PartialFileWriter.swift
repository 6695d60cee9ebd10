import Archive
import TLS

/// Writes a download into its partial file through one fixed buffer, hashing on the
/// way: network reads are small (a TLS record is at most 16 KiB), disk writes are not.
///
/// `length` counts buffered bytes too; `checkpoint()` writes them out and fsyncs, after
/// which `durableLength` may be recorded in the ledger as a resume offset.
final class PartialFileWriter {
    let file: PartialFile
    let digest: SHA256Digest
    private let buffer: UnsafeMutableRawBufferPointer
    private var buffered = 0
    private(set) var durableLength: Int64
    /// Where the bytes not yet handed to writeback start.
    private var writebackFrom: Int64
    /// Writeback is started every this many bytes: the disk works while the network
    /// does, so the final fsync finds little left. 8 MiB measured best on the work disk
    /// (1 MiB: more calls, each small; 32 MiB and more: the disk idles between them).
    private let writebackChunk: Int64 = 8 << 20

    init(file: PartialFile, digest: SHA256Digest, bufferBytes: Int) {
        self.file = file
        self.digest = digest
        buffer = .allocate(byteCount: bufferBytes, alignment: 4096)
        durableLength = file.length
        writebackFrom = file.length
    }

    deinit { buffer.deallocate() }

    var length: Int64 { file.length + Int64(buffered) }

    func write(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        digest.update(bytes)
        if buffered + bytes.count > buffer.count { try flush() }
        if bytes.count >= buffer.count {
            try file.append(bytes)
            startWritebackIfDue()
            return
        }
        (buffer.baseAddress! + buffered).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        buffered += bytes.count
    }

    func flush() throws(ArchiveError) {
        guard buffered > 0 else { return }
        let count = buffered
        buffered = 0
        try file.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        startWritebackIfDue()
    }

    private func startWritebackIfDue() {
        guard file.length - writebackFrom >= writebackChunk else { return }
        file.startWriteback(offset: writebackFrom, count: file.length - writebackFrom)
        writebackFrom = file.length
    }

    /// Writes what is buffered and flushes it to the disk: the length is now safe to
    /// resume from. The pages written so far are let go of the cache.
    func checkpoint() throws(ArchiveError) {
        try flush()
        try file.syncData()
        // Clean now: this lets the cache drop what the last writeback call still held.
        file.startWriteback(offset: durableLength, count: file.length - durableLength)
        durableLength = file.length
        writebackFrom = durableLength
    }

    /// The last checkpoint: everything on the disk, times included, before the rename.
    func finish() throws(ArchiveError) {
        try flush()
        try file.sync()
        durableLength = file.length
    }

    /// Throws away everything (buffered and on disk): the next bytes start the file.
    func startOver() throws(ArchiveError) {
        buffered = 0
        try file.truncate(to: 0)
        digest.reset()
        durableLength = 0
        writebackFrom = 0
    }

    /// Hashes what the file already holds (`file.length` bytes), before a resume appends.
    func hashExistingBytes() throws(ArchiveError) {
        file.adviseSequentialRead()
        var offset: Int64 = 0
        while offset < file.length {
            let wanted = Int(min(Int64(buffer.count), file.length - offset))
            let count = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted]), at: offset)
            guard count > 0 else { throw ArchiveError("read", path: file.path, errno: 5 /* EIO: shorter than its size */) }
            digest.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            offset += Int64(count)
        }
    }
}
