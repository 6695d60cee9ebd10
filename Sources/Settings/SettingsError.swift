/// Everything wrong with the settings at once, not just the first problem, so that one
/// run of `check-config` shows all there is to fix.
public struct SettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [SettingsProblem]

    public init(problems: [SettingsProblem]) {
        self.problems = problems
    }

    /// One problem per line.
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
