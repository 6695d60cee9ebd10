import HTTP
import Transport
import URLPolicy

extension HTTPSClient {
    /// One request with an optional body on one new connection, its answer read whole
    /// (at most `maxResponseBytes`): what the video API client needs. No redirect is
    /// followed: the API does not redirect, and a redirect would carry the bearer key to
    /// another host. `sent` tells a failure that came before the request had left (the
    /// URL, the connection, the handshake, the write) from one after it.
    func send(method: String, url: String, headers: HTTPHeaders, body: [UInt8], maxResponseBytes: Int,
              deadline: UInt64) throws(HTTPSSendFailure) -> (head: HTTPResponseHead, body: [UInt8]) {
        let checked: CheckedURL
        switch policy.check(url) {
        case .success(let value):
            checked = value
        case .failure(let refusal):
            throw HTTPSSendFailure(reason: "the URL is refused by the URL policy: \(refusal)", requestMayHaveBeenSent: false)
        }
        let canceller = ConnectionCanceller()
        let connection: ClientConnection
        do {
            connection = try connect(checked, canceller: canceller)
        } catch {
            throw HTTPSSendFailure(reason: error.reason, requestMayHaveBeenSent: false)
        }
        defer { connection.close() }
        var head = "\(method) \(checked.pathAndQuery) HTTP/1.1\r\nHost: \(checked.hostHeader)\r\n"
        head += "Accept-Encoding: identity\r\nConnection: close\r\n"
        if !headers.contains("User-Agent") { head += "User-Agent: \(userAgent)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        do {
            try connection.tls.write(Array(head.utf8) + body)
        } catch {
            // A request cut short never reaches a server as a whole request.
            throw HTTPSSendFailure(reason: connection.failure(error, doing: "sending the request to \(checked.hostHeader)").reason,
                                   requestMayHaveBeenSent: false)
        }
        do {
            let response = try HTTPSResponse.read(from: connection, url: checked, bufferBytes: receiveBufferBytes,
                                                  deadline: deadline)
            var collected: [UInt8] = []
            try response.readBody { bytes throws(DownloadFailure) in
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
