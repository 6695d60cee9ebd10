/// A value that must never be printed: the callback token, the API key.
///
/// `description`, `debugDescription` and `dump` all show `(set)`, so interpolating a
/// `Settings` or a `Secret` into a log line or an error message cannot leak it. Code that
/// needs the real text asks for ``value`` by name.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable {
    public let value: String

    public init(_ value: String) {
        self.value = value
    }

    public var description: String { "(set)" }
    public var debugDescription: String { "(set)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
