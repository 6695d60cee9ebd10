import HTTP
import URLPolicy

extension HTTPSClient {
    /// One request with an optional body on one new connection, its answer read whole
    /// (at most `maxResponseBytes`): what the video API client and webhook deliveries
    /// need. No redirect is followed: a redirect would carry a bearer key or a signed
    /// body to another host. `requestMayHaveBeenSent` tells a failure that came before
    /// the request had left (the URL, the connection, the handshake, the write) from one
    /// after it.
    public func send(method: String, url: String, headers: HTTPHeaders, body: [UInt8], maxResponseBytes: Int,
                     canceller: ConnectionCanceller = ConnectionCanceller(),
                     deadline: UInt64) throws(HTTPSSendFailure) -> (head: HTTPResponseHead, body: [UInt8]) {
        let checked: CheckedURL
        switch policy.check(url) {
        case .success(let value):
            checked = value
        case .failure(let refusal):
            throw HTTPSSendFailure(reason: "the URL is refused by the URL policy: \(refusal)", requestMayHaveBeenSent: false)
        }
        let request = ClientRequest(method: method, url: checked, headers: headers.map { ($0.name, $0.value) }, body: body,
                                    userAgent: userAgent)
        let connection: ClientConnection
        do {
            connection = try connect(checked, canceller: canceller)
            // A request cut short never reaches a server as a whole request.
            try request.write(to: connection)
        } catch {
            throw HTTPSSendFailure(reason: error.reason, requestMayHaveBeenSent: false)
        }
        defer { connection.close() }
        do throws(HTTPClientFailure) {
            let response = try HTTPSResponse.read(from: connection, url: checked, requestMethod: method,
                                                  bufferBytes: receiveBufferBytes, deadline: deadline)
            var collected: [UInt8] = []
            try response.readBody { (bytes) throws(HTTPClientFailure) in
                guard collected.count + bytes.count <= maxResponseBytes else {
                    throw .permanent("the answer is larger than \(maxResponseBytes) bytes")
                }
                collected.append(contentsOf: bytes)
            }
            return (response.head, collected)
        } catch {
            throw HTTPSSendFailure(reason: error.reason, requestMayHaveBeenSent: true)
        }
    }
}
