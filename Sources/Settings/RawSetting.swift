/// A value as its source gave it, before the key's type rules read it. The file and the
/// environment both come down to this, so both follow the same rules.
struct RawSetting: Sendable {
    enum Shape: Sendable, Equatable {
        /// A single value, as text (YAML scalar or environment string).
        case text(String)
        /// `key:` with nothing, `~` or `null`, or an empty environment variable: the default.
        case empty
        /// A YAML list where one value was expected.
        case list
        /// A YAML mapping where one value was expected.
        case section
    }

    var shape: Shape
    var origin: SettingsOrigin
    /// For a list or a section from the file: its YAML, for the keys that take one.
    var yaml: String? = nil
}
