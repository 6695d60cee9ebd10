import HTTP

/// Finds the handler for a request by method and path. A path some route matches under
/// another method answers 405 with `Allow`; a path no route matches answers 404.
///
/// Routes match with a predicate, not a table, so a route can compare a secret path
/// segment in constant time (the callback token) and answer a wrong one exactly like any
/// unknown path.
public struct Router: Sendable {
    public typealias Handler = @Sendable (HTTPRequest, RequestContext, Responder) -> Void

    struct Route: Sendable {
        var method: String
        var matches: @Sendable (String) -> Bool
        var handler: Handler
    }

    private var routes: [Route] = []

    public init() {}

    /// A route for one exact path.
    public mutating func add(_ method: String, _ path: String, _ handler: @escaping Handler) {
        routes.append(Route(method: method, matches: { $0 == path }, handler: handler))
    }

    /// A route for every path `matches` accepts.
    public mutating func add(_ method: String, matching matches: @escaping @Sendable (String) -> Bool,
                             _ handler: @escaping Handler) {
        routes.append(Route(method: method, matches: matches, handler: handler))
    }

    public func handle(_ request: HTTPRequest, context: RequestContext, respond: Responder) {
        let path = request.head.path
        var allowed: [String] = []
        for route in routes where route.matches(path) {
            if route.method == request.head.method {
                route.handler(request, context, respond)
                return
            }
            allowed.append(route.method)
        }
        if allowed.isEmpty {
            // The path is not echoed: it may hold a mistyped callback token.
            respond(.apiError(status: 404, message: "not found"))
        } else {
            let allow = Array(Set(allowed)).sorted().joined(separator: ", ")
            var headers = HTTPHeaders()
            headers.add("Allow", allow)
            respond(.apiError(status: 405, message: "method \(request.head.method) is not allowed here; allowed: \(allow)",
                              param: "method", headers: headers))
        }
    }
}
