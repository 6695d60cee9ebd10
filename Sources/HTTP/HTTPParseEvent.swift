/// What `HTTPRequestParser.next()` produces from the buffered bytes.
public enum HTTPParseEvent: Sendable, Equatable {
    /// The head is complete and asks "Expect: 100-continue"; the body is not complete yet
    /// and within the limits so far. The server sends `HTTPResponse.continueInterim`.
    /// Comes at most once per request, before its `.request`.
    case continueExpected(HTTPRequestHead)
    /// A complete request. Further pipelined requests may follow from the same buffer.
    case request(HTTPRequest)
}
