import VideoAPI

/// An error answer from the video API: its status, what its body said, and how many
/// times the request was sent before giving up.
public struct APIFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var kind: APIFailureKind
    public var status: Int
    /// The API's error body, when it had the API's shape.
    public var detail: APIErrorBody.Detail?
    /// The body's start as text, when it was not the API's shape (a proxy's page).
    public var bodyExcerpt: String?
    /// Requests sent, retries included.
    public var attempts: Int
    /// Seconds the API asked to wait (`Retry-After`, or its fallback suggestion).
    public var retryAfter: Double?
    /// What was asked.
    public var call: APICall

    public init(status: Int, detail: APIErrorBody.Detail?, bodyExcerpt: String? = nil, attempts: Int = 1,
                retryAfter: Double? = nil, call: APICall) {
        kind = APIFailureKind(status: status)
        self.status = status
        self.detail = detail
        self.bodyExcerpt = bodyExcerpt
        self.attempts = attempts
        self.retryAfter = retryAfter
        self.call = call
    }

    /// One paragraph: what happened, the API's own words, its suggestion, what to do.
    /// `the video API refused the request as invalid (HTTP 400 invalid_request_error,
    /// param prompt): Invalid prompt parameter. The API suggests: provide a valid prompt.
    /// Fix the field it names and submit again.`
    public var description: String {
        var head = "\(kind.summary) while \(call) (HTTP \(status)"
        if let type = detail?.type, !type.isEmpty { head += " \(type)" }
        if let param = detail?.param, !param.isEmpty {
            head += ", param \(param)"
            if let field = GenerationRequestField(apiName: param) { head += " = \(field.flag)" }
        }
        if attempts > 1 { head += ", \(attempts) attempts" }
        head += ")"
        var text = head
        if let message = detail?.message, !message.isEmpty {
            text += ": " + message
        } else if let bodyExcerpt, !bodyExcerpt.isEmpty {
            text += ": " + bodyExcerpt
        }
        text += "."
        if let suggestion = detail?.fallbackSuggestion, !suggestion.isEmpty {
            text += " The API suggests: \(suggestion)."
        }
        if kind.isRetried, let retryAfter {
            text += " It asked to wait \(Self.seconds(retryAfter))."
        }
        let advice = kind.advice(for: call)
        text += " " + advice.prefix(1).uppercased() + advice.dropFirst() + "."
        return text
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }
}
