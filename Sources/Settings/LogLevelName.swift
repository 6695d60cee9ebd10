/// The `log_level` setting. The names are swift-log's `Logger.Level` raw values, so the
/// daemon turns one into the other with `Logger.Level(rawValue: name.rawValue)`; this
/// module does not depend on swift-log.
public enum LogLevelName: String, Sendable, Equatable, CaseIterable {
    case trace, debug, info, notice, warning, error, critical
}
