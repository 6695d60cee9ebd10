/// Why a call to the video API did not give an answer to act on. Every case describes
/// itself in a sentence that says what to do; none contains the API key.
public enum APIClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The API answered with an error status (after the retries 429 and 503 get).
    case api(APIFailure)
    /// No answer: the name, the connection, TLS or a timeout failed.
    case unreachable(call: APICall, reason: String, attempts: Int, requestMayHaveBeenSent: Bool)
    /// An answer in 2xx that is not the task object it should be.
    case unreadableAnswer(call: APICall, reason: String)
    /// `api.base_url` is not a URL the client can use.
    case badBaseURL(String)
    /// The client could not be set up: the CA file (`api.ca_file`) is unreadable.
    case setup(String)

    public var description: String {
        switch self {
        case .api(let failure):
            return failure.description
        case .unreachable(let call, let reason, let attempts, let maySent):
            var text = "cannot reach the video API while \(call)"
            if attempts > 1 { text += " (\(attempts) attempts)" }
            text += ": \(reason)."
            if maySent, call == .createTask {
                text += " The request may have reached the API: a task may have been created, and its callback will still arrive."
            } else {
                text += " Check api.base_url, the network, and that the API's certificate is trusted (api.ca_file)."
            }
            return text
        case .unreadableAnswer(let call, let reason):
            return "the video API's answer while \(call) is not a task object videohookd can use: \(reason)"
        case .badBaseURL(let reason):
            return "api.base_url \(reason)"
        case .setup(let reason):
            return "cannot set up the video API client: \(reason)"
        }
    }

    /// The API's failure, when it answered with an error.
    public var failure: APIFailure? {
        if case .api(let failure) = self { failure } else { nil }
    }
}
