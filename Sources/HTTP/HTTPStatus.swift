/// Reason phrases and the video API's error `type` for each status.
public enum HTTPStatus {
    /// The reason phrase of RFC 9110 §15 for `status`; "Unknown" for a code it lacks.
    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 101: "Switching Protocols"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 206: "Partial Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 303: "See Other"
        case 304: "Not Modified"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 402: "Payment Required"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 410: "Gone"
        case 411: "Length Required"
        case 412: "Precondition Failed"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 416: "Range Not Satisfiable"
        case 417: "Expectation Failed"
        case 421: "Misdirected Request"
        case 422: "Unprocessable Content"
        case 426: "Upgrade Required"
        case 428: "Precondition Required"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        default: "Unknown"
        }
    }

    /// The default `type` of an error body for `status`:
    ///
    /// | status | type |
    /// | --- | --- |
    /// | 400, 405, 411, 413, 414, 431, 505 and any other 4xx not below | `invalid_request_error` |
    /// | 401 | `authentication_error` |
    /// | 403 | `permission_error` |
    /// | 404 | `not_found_error` |
    /// | 408 | `timeout_error` |
    /// | 429 | `rate_limit_error` |
    /// | 500 and any other 5xx not below | `api_error` |
    /// | 502 | `upstream_error` |
    /// | 503 | `service_unavailable_error` |
    ///
    /// 505 is the client's fault (its HTTP version), hence an invalid request.
    public static func errorType(_ status: Int) -> String {
        switch status {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 408: "timeout_error"
        case 429: "rate_limit_error"
        case 502: "upstream_error"
        case 503: "service_unavailable_error"
        case 505: "invalid_request_error"
        case 500...599: "api_error"
        default: "invalid_request_error"
        }
    }
}
