/// Why a request was refused, with the status the server answers before it closes the
/// connection. Statuses from the parser: 400, 411, 413, 414, 431 and 505 (an HTTP
/// version other than 1.0 or 1.1 on a well-formed request line); 408 is the server's.
public struct HTTPRequestError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    /// What was wrong, for the operator's log and the client's error body.
    public var message: String
    /// The header or part at fault, such as "content-length" or "transfer-encoding".
    public var param: String?
    /// The request head when it was complete before the error (a 413 on Content-Length,
    /// a bad chunk), so the server can keep the rejected body with its path.
    public var head: HTTPRequestHead?

    public init(status: Int, message: String, param: String? = nil, head: HTTPRequestHead? = nil) {
        self.status = status
        self.message = message
        self.param = param
        self.head = head
    }

    public var description: String {
        "\(status) \(HTTPStatus.reasonPhrase(status)): \(message)"
    }

    static func badRequest(_ message: String, param: String? = nil) -> HTTPRequestError {
        HTTPRequestError(status: 400, message: message, param: param)
    }

    static func bareCR(in part: String) -> HTTPRequestError {
        badRequest("bare CR in the \(part): every line must end with CRLF and a CR may appear nowhere else")
    }

    static func bareLF(in part: String) -> HTTPRequestError {
        badRequest("bare LF in the \(part): lines must end with CRLF, not LF alone")
    }
}
