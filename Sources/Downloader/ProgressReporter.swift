import Logging
import Transport

/// `download.progress` lines for one file: at most one per interval, and one at each
/// 10 % step, with the rate since the previous line.
final class ProgressReporter {
    private let logger: Logger
    private let label: String
    private let total: Int64?
    private let intervalNanoseconds: UInt64
    private var last: (bytes: Int64, time: UInt64)
    private var lastTenth: Int64

    init(logger: Logger, label: String, total: Int64?, start: Int64, interval: Double) {
        self.logger = logger
        self.label = label
        self.total = total
        intervalNanoseconds = UInt64(interval * 1e9)
        last = (start, MonotonicClock.nanoseconds())
        lastTenth = total.map { $0 > 0 ? start * 10 / $0 : 0 } ?? 0
    }

    func report(_ bytes: Int64, now: UInt64) {
        let tenth = total.map { $0 > 0 ? bytes * 10 / $0 : 0 } ?? 0
        guard now - last.time >= intervalNanoseconds || tenth > lastTenth else { return }
        let seconds = Double(now - last.time) / 1e9
        let rate = seconds > 0 ? Int64(Double(bytes - last.bytes) / seconds) : 0
        var metadata: Logger.Metadata = ["file": "\(label)", "bytes": "\(bytes)", "bytes_per_second": "\(rate)"]
        if let total, total > 0 {
            metadata["total"] = "\(total)"
            metadata["percent"] = "\(bytes * 100 / total)"
        }
        logger.info("download.progress", metadata: metadata)
        last = (bytes, now)
        lastTenth = tenth
    }
}
