/// The error answers the video API documents, each its own case so that `submit` can
/// give each its own exit status and its own advice.
public enum APIFailureKind: Sendable, Hashable, CaseIterable {
    /// 400 `invalid_request_error`: a field the API refused; `param` names it.
    case invalidRequest
    /// 401 `authentication_error`: the key is wrong or expired.
    case unauthenticated
    /// 402 `insufficient_quota_error`: the account must be recharged.
    case insufficientQuota
    /// 403 `permission_error`: the key may not do this (use this model).
    case permissionDenied
    /// 404 `not_found_error`: no such model, or no such task.
    case notFound
    /// 413 `request_too_large_error`.
    case requestTooLarge
    /// 429 `rate_limit_error`: retried with backoff before it is reported.
    case rateLimited
    /// 500 `internal_server_error`.
    case internalError
    /// 502 `upstream_error`: the model service behind the API failed.
    case upstreamError
    /// 503 `service_unavailable_error`: retried with backoff before it is reported.
    case unavailable
    /// Any other status the API (or a proxy in front of it) answered.
    case otherStatus

    public init(status: Int) {
        switch status {
        case 400: self = .invalidRequest
        case 401: self = .unauthenticated
        case 402: self = .insufficientQuota
        case 403: self = .permissionDenied
        case 404: self = .notFound
        case 413: self = .requestTooLarge
        case 429: self = .rateLimited
        case 500: self = .internalError
        case 502: self = .upstreamError
        case 503: self = .unavailable
        default: self = .otherStatus
        }
    }

    /// The documented status; nil for ``otherStatus``.
    public var status: Int? {
        switch self {
        case .invalidRequest: 400
        case .unauthenticated: 401
        case .insufficientQuota: 402
        case .permissionDenied: 403
        case .notFound: 404
        case .requestTooLarge: 413
        case .rateLimited: 429
        case .internalError: 500
        case .upstreamError: 502
        case .unavailable: 503
        case .otherStatus: nil
        }
    }

    /// Whether the same request may succeed if sent again a little later. Only these
    /// two are retried: the API said so (rate limit, brief outage), and it refused the
    /// request before doing anything, so a `POST` cannot create a second task.
    public var isRetried: Bool { self == .rateLimited || self == .unavailable }

    /// What happened, in words, before the API's own.
    var summary: String {
        switch self {
        case .invalidRequest: "the video API refused the request as invalid"
        case .unauthenticated: "the video API did not accept the API key"
        case .insufficientQuota: "the video API account has run out of quota"
        case .permissionDenied: "the API key is not allowed to do this"
        case .notFound: "the video API found nothing by that name"
        case .requestTooLarge: "the request is too large for the video API"
        case .rateLimited: "the video API is rate limiting this key"
        case .internalError: "the video API failed with an internal error"
        case .upstreamError: "the model service behind the video API is unavailable"
        case .unavailable: "the video API is temporarily unavailable"
        case .otherStatus: "the video API answered with an error"
        }
    }

    /// What the operator can do about it.
    func advice(for call: APICall) -> String {
        if case .queryTask = call {
            switch self {
            case .notFound:
                return "the task may belong to another API key, or be older than the API keeps"
            case .invalidRequest:
                return "check that the task id is one the API issued"
            case .unauthenticated, .insufficientQuota, .permissionDenied:
                break
            default:
                return "the reconciler asks again later"
            }
        }
        return switch self {
        case .invalidRequest: "fix the field it names and submit again"
        case .unauthenticated: "check api.key or api.key_file; the key may have been revoked or have expired"
        case .insufficientQuota: "recharge the account, then submit again"
        case .permissionDenied: "use a model this key may use, or ask for access"
        case .notFound: "check the model name (--model)"
        case .requestTooLarge: "shorten the prompt"
        case .rateLimited: "wait and submit again"
        case .internalError: "try again later"
        case .upstreamError: "try again later, or another model"
        case .unavailable: "try again later"
        case .otherStatus: "try again later; if it persists, check api.base_url"
        }
    }
}
