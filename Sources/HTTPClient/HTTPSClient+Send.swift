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
        try exchange(method: method, url: url, headers: headers, body: body, file: nil,
                     maxResponseBytes: maxResponseBytes, canceller: canceller, deadline: deadline)
    }

    /// The same with the body read from a file's range as it is sent, in constant memory
    /// (``FileRangeBody``): an upload of a video or one part of it.
    public func send(method: String, url: String, headers: HTTPHeaders, file: FileRangeBody, maxResponseBytes: Int,
                     canceller: ConnectionCanceller = ConnectionCanceller(),
                     deadline: UInt64) throws(HTTPSSendFailure) -> (head: HTTPResponseHead, body: [UInt8]) {
        try exchange(method: method, url: url, headers: headers, body: [], file: file,
                     maxResponseBytes: maxResponseBytes, canceller: canceller, deadline: deadline)
    }

    private func exchange(method: String, url: String, headers: HTTPHeaders, body: [UInt8], file: FileRangeBody?,
                          maxResponseBytes: Int, canceller: ConnectionCanceller,
                          deadline: UInt64) throws(HTTPSSendFailure) -> (head: HTTPResponseHead, body: [UInt8]) {
        let checked: CheckedURL
        switch policy.check(url) {
        case .success(let value):
            checked = value
        case .failure(let refusal):
            throw HTTPSSendFailure(reason: "the URL is refused by the URL policy: \(refusal)", requestMayHaveBeenSent: false,
                                   kind: refusal.isTemporary || refusal.rule == .unresolvable ? .temporary : .permanent)
        }
        let request = ClientRequest(method: method, url: checked, headers: headers.map { ($0.name, $0.value) }, body: body,
                                    userAgent: userAgent, file: file)
        let connection: ClientConnection
        do {
            connection = try connect(checked, canceller: canceller)
            // A request cut short never reaches a server as a whole request.
            try request.write(to: connection)
        } catch {
            throw HTTPSSendFailure(reason: error.reason, requestMayHaveBeenSent: false, kind: error.kind)
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
            throw HTTPSSendFailure(reason: error.reason, requestMayHaveBeenSent: true, kind: error.kind)
        }
    }
}
