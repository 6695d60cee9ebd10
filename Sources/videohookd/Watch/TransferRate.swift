import Foundation

/// The download's rate from the ledger's records of it: `bytes_done` and the time it was
/// written (`updated_at`). The downloader records at each checkpoint (every few seconds),
/// so the rate is the one between the last two checkpoints, timed by the writer's clock
/// rather than by when this process happened to poll.
struct TransferRate {
    private var last: (bytes: Int64, at: Date)?
    private(set) var bytesPerSecond: Int64?

    mutating func observe(bytes: Int64, at: Date) {
        defer { if last == nil || bytes != last?.bytes { last = (bytes, at) } }
        guard let last else { return }
        if bytes < last.bytes {
            // The download started over (a changed file, a takeover without its partial).
            bytesPerSecond = nil
        } else if bytes > last.bytes, at > last.at {
            bytesPerSecond = Int64(Double(bytes - last.bytes) / at.timeIntervalSince(last.at))
        }
    }

    mutating func reset() {
        last = nil
        bytesPerSecond = nil
    }
}
