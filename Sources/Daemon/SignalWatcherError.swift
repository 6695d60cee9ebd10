/// Why a `SignalWatcher` could not start.
public enum SignalWatcherError: Error, Equatable, CustomStringConvertible {
    /// A process has one disposition per signal, so only one watcher at a time.
    case anotherWatcherIsRunning
    case systemCall(SystemCallError)

    public var description: String {
        switch self {
        case .anotherWatcherIsRunning:
            "a SignalWatcher is already running in this process; stop it before starting another"
        case .systemCall(let error):
            "cannot watch signals: \(error)"
        }
    }
}
