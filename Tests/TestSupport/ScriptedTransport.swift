import APIClient
import Foundation
import HTTP
import Synchronization

/// A transport with answers given in advance, per `"METHOD /path"` (the part after the
/// base URL), in order, the last repeating; it records every request. An unscripted
/// path answers the API's 404.
public final class ScriptedTransport: APITransport {
    public enum Step: Sendable {
        case answer(APIResponse)
        case fail(APITransportError)
    }

    private struct State {
        var routes: [String: [Step]] = [:]
        var served: [String: Int] = [:]
        var requests: [APIRequest] = []
    }

    public let base: String
    private let state = Mutex(State())

    public init(base: String = "https://api.test/apiv1") {
        self.base = base
    }

    public func script(_ route: String, _ steps: Step...) {
        state.withLock { $0.routes[route] = steps; $0.served[route] = 0 }
    }

    public var requests: [APIRequest] { state.withLock { $0.requests } }

    public func requests(_ route: String) -> [APIRequest] {
        requests.filter { Self.route(of: $0, base: base) == route }
    }

    public func send(_ request: APIRequest) throws(APITransportError) -> APIResponse {
        let route = Self.route(of: request, base: base)
        let step = state.withLock { state -> Step in
            state.requests.append(request)
            guard let steps = state.routes[route], !steps.isEmpty else {
                return .answer(Self.apiError(404, "not_found_error", "no such route \(route)"))
            }
            let index = state.served[route, default: 0]
            state.served[route] = index + 1
            return steps[min(index, steps.count - 1)]
        }
        switch step {
        case .answer(let response): return response
        case .fail(let error): throw error
        }
    }

    private static func route(of request: APIRequest, base: String) -> String {
        request.method + " " + String(request.url.dropFirst(base.count))
    }

    public static func json(_ status: Int, _ text: String, headers: [(String, String)] = []) -> Step {
        .answer(APIResponse(status: status, headers: HTTPHeaders(headers + [("Content-Type", "application/json")]),
                            body: Array(text.utf8)))
    }

    public static func apiError(_ status: Int, _ type: String, _ message: String, param: String? = nil,
                         fallback: String? = nil) -> APIResponse {
        var error: [String: Any] = ["code": status, "message": message, "type": type]
        if let param { error["param"] = param }
        if let fallback { error["fallback_suggestion"] = fallback }
        let data = try! JSONSerialization.data(withJSONObject: ["error": error], options: [.sortedKeys])
        return APIResponse(status: status, headers: HTTPHeaders([("Content-Type", "application/json")]),
                           body: Array(data))
    }

    public static func error(_ status: Int, _ type: String, _ message: String, param: String? = nil, fallback: String? = nil,
                      headers: [(String, String)] = []) -> Step {
        var response = apiError(status, type, message, param: param, fallback: fallback)
        for (name, value) in headers { response.headers.add(name, value) }
        return .answer(response)
    }
}
