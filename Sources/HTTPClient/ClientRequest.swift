import URLPolicy

/// A request head and body as the client writes them: `Host` from the checked URL,
/// `Connection: close` (one request per connection), `Accept-Encoding: identity` (the
/// bytes hashed are the bytes sent), and the caller's own fields after ours.
struct ClientRequest {
    var method: String
    var url: CheckedURL
    var headers: [(String, String)]
    var body: [UInt8]
    var userAgent: String
    /// A body read from a file instead of `body` (which is then empty).
    var file: FileRangeBody? = nil

    var encoded: [UInt8] {
        var head = "\(method) \(url.pathAndQuery) HTTP/1.1\r\nHost: \(url.hostHeader)\r\n"
        let has = { (name: String) in headers.contains { $0.0.lowercased() == name } }
        if !has("user-agent") { head += "User-Agent: \(userAgent)\r\n" }
        if !has("accept") { head += "Accept: */*\r\n" }
        head += "Accept-Encoding: identity\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let file {
            head += "Content-Length: \(file.length)\r\n"
        } else if !body.isEmpty || method == "POST" || method == "PUT" {
            head += "Content-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        return Array(head.utf8) + body
    }

    /// Writes the whole request, a file's range after the head; a failure closes the connection.
    func write(to connection: ClientConnection) throws(HTTPClientFailure) {
        do {
            try connection.transport.write(encoded)
        } catch {
            connection.close()
            throw connection.failure(error, doing: "sending the request to \(url.hostHeader)")
        }
        guard let file else { return }
        do throws(HTTPClientFailure) {
            try file.stream { (chunk) throws(HTTPClientFailure) in
                do throws(ClientTransportError) {
                    try connection.transport.write(chunk)
                } catch {
                    throw connection.failure(error, doing: "sending the request body to \(url.hostHeader)")
                }
            }
        } catch {
            connection.close()
            throw error
        }
    }
}
