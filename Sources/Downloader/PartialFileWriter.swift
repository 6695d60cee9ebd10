import Archive
import Hashing
import TLS

/// Writes a download into its partial file, hashing on the way, with constant memory:
/// network reads are small (a TLS record is at most 16 KiB) and go into a buffer; full
/// buffers are hashed and written by a ``DiskWriterThread`` while the next one fills.
///
/// `length` counts every byte accepted; `checkpoint()` waits for them to be written and
/// flushes them to the disk, after which `durableLength` may be recorded in the ledger
/// as a resume offset. Used by one thread (the worker's); the disk thread is its own.
///
/// Buffers end on the file's block boundaries (``PartialFile/directAlignment``), so that
/// the file takes them straight to the disk: after a start at an unaligned length (a
/// resume), the first buffer is cut short to reach the next boundary, and a checkpoint
/// writes up to the last boundary and carries the few bytes after it into the next
/// buffer.
///
/// With marks (``markInterval``, a bucket's part size), the digest's state is kept at
/// each multiple of it (``takeDigestStates()``), and the fetcher checkpoints as soon as
/// one is passed.
final class PartialFileWriter {
    let file: PartialFile
    private let digest: MarkedDigest
    private let disk: DiskWriterThread
    private var current: UnsafeMutableRawBufferPointer?
    private var filled = 0
    /// How much of `current` to fill: the buffer's size, less what realigns its end.
    private var capacity = 0
    private let bufferBytes: Int
    /// Bytes accepted: on disk, queued, or in `current`.
    private(set) var length: Int64
    private(set) var durableLength: Int64
    /// Writeback state, touched on the disk thread only (through `written`).
    private let writeback: WritebackHint

    init(file: PartialFile, digest: SHA256Digest, bufferBytes: Int, buffers: Int = 3) {
        self.file = file
        let digest = MarkedDigest(digest)
        self.digest = digest
        self.bufferBytes = bufferBytes
        length = file.length
        durableLength = file.length
        let writeback = WritebackHint(file: file, from: file.length)
        self.writeback = writeback
        disk = DiskWriterThread(file: file, digest: digest, buffers: buffers, bytes: bufferBytes) { offset, count in
            writeback.written(offset: offset, count: count)
        }
    }

    deinit {
        if let current { disk.giveBack(current) }
        disk.close()
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        var rest = bytes
        while !rest.isEmpty {
            let buffer: UnsafeMutableRawBufferPointer
            if let current {
                buffer = current
            } else {
                buffer = try takeBuffer(startingAt: length)
            }
            let count = min(rest.count, capacity - filled)
            (buffer.baseAddress! + filled).copyMemory(from: rest.baseAddress!, byteCount: count)
            filled += count
            length += Int64(count)
            rest = UnsafeRawBufferPointer(rebasing: rest[count...])
            if filled == capacity { submitCurrent() }
        }
    }

    /// A free buffer becomes `current`, for the file's bytes from `offset` up to the next
    /// block boundary after at most `bufferBytes`.
    private func takeBuffer(startingAt offset: Int64) throws(ArchiveError) -> UnsafeMutableRawBufferPointer {
        let buffer = try disk.take()
        current = buffer
        filled = 0
        let misalignment = Int(offset % Int64(PartialFile.directAlignment))
        capacity = bufferBytes > misalignment ? bufferBytes - misalignment : bufferBytes
        return buffer
    }

    /// Hands the bytes of `current` up to the file's last block boundary to the disk
    /// thread, and carries the rest (under one block) into a new `current`.
    private func submitCurrentToBoundary() throws(ArchiveError) {
        guard let buffer = current, filled > 0 else { return }
        let rest = Int(length % Int64(PartialFile.directAlignment))
        if rest == 0 || rest > filled {
            // It ends on a boundary, or began after one (a resume) and holds none: whole.
            submitCurrent()
            return
        }
        // It began on a boundary and has not reached the next: nothing to write yet.
        if rest == filled { return }
        let kept = filled - rest
        // Should the disk thread have failed, `current` is still the full buffer.
        let next = try takeBuffer(startingAt: length - Int64(rest))
        next.baseAddress!.copyMemory(from: buffer.baseAddress! + kept, byteCount: rest)
        filled = rest
        disk.submit(buffer, count: kept)
    }

    private func submitCurrent() {
        guard let buffer = current else { return }
        current = nil
        if filled > 0 {
            disk.submit(buffer, count: filled)
        } else {
            disk.giveBack(buffer)
        }
        filled = 0
    }

    /// Everything accepted is in the file (not yet on the disk).
    func flush() throws(ArchiveError) {
        submitCurrent()
        try disk.drain()
    }

    /// Writes what is pending up to the file's last block boundary and flushes it to the
    /// disk: `durableLength` is now safe to resume from. Under one block stays in memory
    /// for the next buffer; ``checkpointEverything()`` leaves nothing behind.
    func checkpoint() throws(ArchiveError) {
        try submitCurrentToBoundary()
        try disk.drain()
        try syncWritten()
    }

    /// Writes everything pending and flushes it to the disk, `durableLength` then equal to
    /// `length`: for a pause in the body or a failure, when nothing should wait in memory.
    func checkpointEverything() throws(ArchiveError) {
        try flush()
        try syncWritten()
    }

    private func syncWritten() throws(ArchiveError) {
        try file.syncData()
        // Clean now: the cache may drop what the last writeback call still held.
        file.startWriteback(offset: durableLength, count: file.length - durableLength)
        durableLength = file.length
    }

    /// After a failed write: flushes what did reach the file and returns its length,
    /// which is then the resume offset; nil when even that cannot be flushed.
    func saveWhatWasWritten() -> Int64? {
        submitCurrent()
        try? disk.drain()
        guard (try? file.syncData()) != nil else { return nil }
        durableLength = file.length
        return durableLength
    }

    /// The last checkpoint: everything on the disk, times included, before the rename.
    func finish() throws(ArchiveError) {
        try flush()
        try file.sync()
        durableLength = file.length
    }

    /// Throws away everything (pending and on disk): the next bytes start the file.
    func startOver() throws(ArchiveError) {
        submitCurrent()
        try? disk.drain()
        disk.clearFailure()
        try file.truncate(to: 0)
        digest.restart(from: nil)
        writeback.reset(from: 0)
        length = 0
        durableLength = 0
    }

    /// Where the digest keeps its state (and the fetcher checkpoints): every multiple of
    /// this many bytes; nil for nowhere. Set before the bytes are hashed.
    var markInterval: Int64? {
        get { digest.markInterval }
        set { digest.setInterval(newValue) }
    }

    /// The digest's states at the marks passed since the last call, in order: after a
    /// checkpoint (or ``hashExistingBytes(from:)``), every mark within `durableLength`.
    func takeDigestStates() -> [SHA256Midstate] { digest.takeStates() }

    /// Hashes what the file already holds, before a resume appends: from its first byte,
    /// or from `state` on (a destination's recorded state; the bytes before it are not
    /// read, and may no longer be on the disk). `state` must be within the file.
    func hashExistingBytes(from state: SHA256Midstate? = nil) throws(ArchiveError) {
        precondition((state?.byteCount ?? 0) <= file.length, "a digest state past the end of \(file.path)")
        try flush()
        digest.restart(from: state)
        let buffer = try disk.take()
        defer { disk.giveBack(buffer) }
        file.adviseSequentialRead()
        var offset = state?.byteCount ?? 0
        while offset < file.length {
            let wanted = Int(min(Int64(buffer.count), file.length - offset))
            let count = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted]), at: offset)
            guard count > 0 else { throw ArchiveError("read", path: file.path, errno: 5 /* EIO: shorter than its size */) }
            digest.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            offset += Int64(count)
        }
    }

    /// The hex SHA-256 of everything written; call after `finish()`.
    func sha256() -> String { digest.digest.finishHex() }
}
