import Foundation
import Hashing

/// A download's SHA-256 that also keeps its state at every multiple of `interval` bytes
/// (the marks a destination asked for: a bucket's part ends), however the bytes come in:
/// a buffer that crosses a mark is hashed in two pieces, the state taken between them.
///
/// Hashed on the disk writer's thread; the states are taken by the worker's, after a
/// drain, so they sit behind a lock of their own.
final class MarkedDigest: @unchecked Sendable {
    // @unchecked: `interval` and `states` are only touched holding `lock`; `digest` by one
    // thread at a time (the disk thread while a buffer is in flight, the worker after a
    // drain), as ``DiskWriterThread`` hands them over.
    let digest: SHA256Digest
    private let lock = NSLock()
    private var interval: Int64?
    private var states: [SHA256Midstate] = []

    init(_ digest: SHA256Digest) {
        self.digest = digest
    }

    /// Keeps a state at every multiple of `interval` the digest passes from now on; nil
    /// keeps none.
    func setInterval(_ interval: Int64?) {
        lock.withLock { self.interval = interval }
    }

    var markInterval: Int64? { lock.withLock { interval } }

    func update(_ bytes: UnsafeRawBufferPointer) {
        guard let interval = markInterval else {
            digest.update(bytes)
            return
        }
        var rest = bytes
        while !rest.isEmpty {
            let toMark = Int(min(interval - digest.byteCount % interval, Int64(rest.count)))
            digest.update(UnsafeRawBufferPointer(rebasing: rest[..<toMark]))
            rest = UnsafeRawBufferPointer(rebasing: rest[toMark...])
            if digest.byteCount % interval == 0 {
                let state = digest.midstate()
                lock.withLock { states.append(state) }
            }
        }
    }

    /// The states taken since the last call, in order.
    func takeStates() -> [SHA256Midstate] {
        lock.withLock {
            defer { states = [] }
            return states
        }
    }

    /// Goes on from `state` (nil: from nothing); the states not yet taken are dropped.
    func restart(from state: SHA256Midstate?) {
        if let state { digest.restore(state) } else { digest.reset() }
        lock.withLock { states = [] }
    }
}
