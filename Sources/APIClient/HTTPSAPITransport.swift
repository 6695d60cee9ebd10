import HTTPClient
import URLPolicy

/// The transport of the daemon and its commands: the shared HTTPS client (our
/// sockets and TLS, the system's trust store plus `api.ca_file`, SNI and host-name
/// checks), one connection per call.
///
/// `api.base_url` is the operator's own setting, not a URL from outside, so the policy
/// here lets internal addresses through (an API behind a private gateway, a test API on
/// loopback); every other rule still holds (https only, no user info), and the name is
/// still resolved once and the checked addresses are the ones connected to.
public struct HTTPSAPITransport: APITransport {
    private let requester: HTTPSRequester

    public init(caFile: String?, resolver: any HostResolver = SystemHostResolver(),
                connectTimeout: Duration = .seconds(10), readTimeout: Duration = .seconds(30),
                userAgent: String = "videohookd/1.0") throws(APIClientError) {
        do {
            requester = try HTTPSRequester(caFile: caFile, caFileSetting: "api.ca_file",
                                           policy: URLPolicy(allowInternal: true, resolver: resolver),
                                           connectTimeout: connectTimeout, readTimeout: readTimeout,
                                           userAgent: userAgent)
        } catch {
            throw .setup(error.message)
        }
    }

    public func send(_ request: APIRequest) throws(APITransportError) -> APIResponse {
        do {
            let answer = try requester.send(method: request.method, url: request.url, headers: request.headers,
                                            body: request.body, maxResponseBytes: request.maxResponseBytes,
                                            timeout: request.timeout)
            return APIResponse(status: answer.head.status, headers: answer.head.headers, body: answer.body)
        } catch {
            throw APITransportError(error.reason, requestMayHaveBeenSent: error.requestMayHaveBeenSent)
        }
    }
}
