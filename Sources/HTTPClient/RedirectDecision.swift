/// What the caller of ``HTTPSClient/get(_:headers:canceller:deadline:redirect:)`` says to
/// a redirect. The client itself follows none on its own: a download follows a few, an
/// API call or a webhook delivery none (a redirect would carry a bearer key or a
/// signed body to another host).
public enum RedirectDecision: Sendable, Equatable {
    /// Ask the new location (it is checked by the URL policy like the first URL).
    case follow
    /// Hand the 3xx answer back to the caller as it is.
    case returnResponse
    /// Fail the request for good, with this reason.
    case refuse(String)
}

/// One redirect as the caller sees it: where from, where to (absolute), and which hop.
public struct Redirect: Sendable {
    public var from: String
    public var to: String
    /// 1 for the first redirect.
    public var hop: Int
    public var status: Int
}
