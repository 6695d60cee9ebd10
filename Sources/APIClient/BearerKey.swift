/// The video API's bearer key. It goes into one header and nowhere else: printing,
/// interpolating or dumping it shows `(set)`, so an error message or a log line that
/// mentions a client or its configuration cannot leak it.
public struct BearerKey: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable {
    public let value: String

    public init(_ value: String) {
        self.value = value
    }

    /// The `Authorization` header's value.
    var headerValue: String { "Bearer " + value }

    public var description: String { "(set)" }
    public var debugDescription: String { "(set)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
