import HTTP

/// Finds the handler for a request by method and path. A path some route matches under
/// another method answers 405 with `Allow`; a path no route matches answers 404. HEAD is
/// answered by a path's GET route.
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

    /// Headers every answer of this router carries unless the handler set its own (the
    /// admin listener's Content-Security-Policy and `nosniff`): 404s and 405s included.
    public var responseHeaders = HTTPHeaders()

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

    /// HEAD goes to a path's GET route when it has no HEAD route of its own (RFC 9110
    /// §9.3.2): the connection sends the head of the GET's answer and no body.
    public func handle(_ request: HTTPRequest, context: RequestContext, respond: Responder) {
        let respond = responseHeaders.isEmpty ? respond : Responder { [responseHeaders] response in
            var response = response
            for (name, value) in responseHeaders where !response.headers.contains(name) {
                response.headers.add(name, value)
            }
            respond(response)
        }
        let path = request.head.path
        var allowed: [String] = []
        var getRoute: Route?
        for route in routes where route.matches(path) {
            if route.method == request.head.method {
                route.handler(request, context, respond)
                return
            }
            if route.method == "GET" {
                getRoute = getRoute ?? route
                allowed.append("HEAD")
            }
            allowed.append(route.method)
        }
        if request.head.method == "HEAD", let getRoute {
            getRoute.handler(request, context, respond)
            return
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
