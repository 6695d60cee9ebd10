/// A request the fake video API received.
public struct RecordedRequest: Sendable, Decodable {
    public var method: String
    public var path: String
    /// Lower-cased names.
    public var headers: [String: String]
    public var body: String
}
