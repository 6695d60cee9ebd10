import Logging
import Synchronization

/// The daemon-wide log level, shared by every handler the log system makes, so that a
/// SIGHUP with a new `log_level` takes effect on loggers that already exist.
public final class LogLevelSwitch: Sendable {
    private let storage: Atomic<Int>

    public init(_ level: Logger.Level = .info) {
        storage = Atomic(Self.allLevels.firstIndex(of: level)!)
    }

    public var level: Logger.Level {
        get { Self.allLevels[storage.load(ordering: .relaxed)] }
        set { storage.store(Self.allLevels.firstIndex(of: newValue)!, ordering: .relaxed) }
    }

    private static let allLevels = Logger.Level.allCases
}
