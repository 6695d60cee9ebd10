/// A response the client will not read: malformed, ambiguous about where its body ends,
/// over a limit, or cut short. The message says what the server sent wrong.
public struct HTTPResponseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
