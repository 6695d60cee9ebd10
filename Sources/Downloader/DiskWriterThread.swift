import Archive
import Foundation
import Lifecycle

/// The disk side of one download, on its own thread: it hashes and writes each full
/// buffer while the network thread decrypts into the next. SHA-256 costs about as much
/// CPU as the TLS decryption does; on one thread the two would add up.
///
/// A fixed set of buffers goes round: the network thread takes a free one, fills it,
/// submits it; this thread hashes it, appends it to the file, starts its writeback, and
/// gives it back. When every buffer is queued the network thread waits, so memory stays
/// at `count × bytes` however long the body.
final class DiskWriterThread: @unchecked Sendable {
    // @unchecked: every mutable field is read and written under `condition`'s lock. A
    // buffer's bytes belong to one side at a time (free or being filled: the network
    // thread; queued or being written: this thread), handed over under the lock. `file`
    // and `digest` are used by this thread only while a buffer is in flight, and by the
    // caller only after `drain()` saw nothing in flight.
    private let condition = NSCondition()
    private var free: [UnsafeMutableRawBufferPointer]
    private var queued: [(buffer: UnsafeMutableRawBufferPointer, count: Int)] = []
    private var writing = false
    private var closed = false
    private var exited = false
    private var failure: ArchiveError?
    private let all: [UnsafeMutableRawBufferPointer]
    private let file: PartialFile
    private let digest: MarkedDigest
    private let written: (Int64, Int) -> Void

    /// - Parameter written: called on this thread after each append, with its offset and
    ///   count (the writer starts writeback there).
    init(file: PartialFile, digest: MarkedDigest, buffers count: Int, bytes: Int,
         written: @escaping (Int64, Int) -> Void) {
        self.file = file
        self.digest = digest
        self.written = written
        all = (0..<count).map { _ in .allocate(byteCount: bytes, alignment: 4096) }
        free = all
        do {
            _ = try NamedThread.start("vh-disk-writer") { [self] in run() }
        } catch {
            // No thread, no writes: the first `take` fails the attempt, which is retried.
            failure = ArchiveError("start the disk writer thread for", path: file.path, errno: error.errno)
        }
    }

    deinit {
        for buffer in all { buffer.deallocate() }
    }

    /// A free buffer to fill; waits while all of them are queued.
    func take() throws(ArchiveError) -> UnsafeMutableRawBufferPointer {
        condition.lock()
        defer { condition.unlock() }
        while free.isEmpty && failure == nil { condition.wait() }
        if let failure { throw failure }
        return free.removeLast()
    }

    /// Queues `count` bytes of `buffer` to be hashed and written, in order.
    func submit(_ buffer: UnsafeMutableRawBufferPointer, count: Int) {
        condition.lock()
        queued.append((buffer, count))
        condition.broadcast()
        condition.unlock()
    }

    /// Gives back a buffer that will not be submitted.
    func giveBack(_ buffer: UnsafeMutableRawBufferPointer) {
        condition.lock()
        free.append(buffer)
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until everything submitted is written; throws the first write error.
    func drain() throws(ArchiveError) {
        condition.lock()
        defer { condition.unlock() }
        while (!queued.isEmpty || writing) && failure == nil { condition.wait() }
        if let failure { throw failure }
    }

    /// Forgets a write error once the caller has dealt with it (started over).
    func clearFailure() {
        condition.lock()
        failure = nil
        condition.unlock()
    }

    /// Ends the thread after what is queued; returns once it has left.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        while !exited { condition.wait() }
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while queued.isEmpty && !closed { condition.wait() }
            if queued.isEmpty {
                exited = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let (buffer, count) = queued.removeFirst()
            let skip = failure != nil
            writing = true
            condition.unlock()

            var error: ArchiveError?
            if !skip {
                let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
                digest.update(bytes)
                let offset = file.length
                do throws(ArchiveError) {
                    try file.append(bytes)
                    written(offset, count)
                } catch let failed {
                    error = failed
                }
            }

            condition.lock()
            writing = false
            if let error, failure == nil { failure = error }
            free.append(buffer)
            condition.broadcast()
            condition.unlock()
        }
    }
}
