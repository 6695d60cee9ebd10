/// Where a setting's value came from, so a problem can point at it.
public enum SettingsOrigin: Sendable, Equatable {
    case file(path: String, line: Int?)
    case environment(variable: String)
}
