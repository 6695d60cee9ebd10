import Testing
import URLPolicy
@testable import HTTPClient

@Suite("Client request encoding")
struct ClientRequestTests {
    private func checked(_ url: String) throws -> CheckedURL {
        let policy = URLPolicy(allowInternal: true, resolver: FixedHostResolver(addresses: ["api.test": [IPAddress(127, 0, 0, 1)]]))
        return try policy.check(url).get()
    }

    @Test("a GET carries Host, our User-Agent, Accept, identity encoding and Connection: close, and no length")
    func getHead() throws {
        let request = ClientRequest(method: "GET", url: try checked("https://api.test:8443/v1/tasks/t?x=1"),
                                    headers: [("Range", "bytes=10-")], body: [], userAgent: "videohookd/1.0")
        #expect(String(decoding: request.encoded, as: UTF8.self) == """
            GET /v1/tasks/t?x=1 HTTP/1.1\r
            Host: api.test:8443\r
            User-Agent: videohookd/1.0\r
            Accept: */*\r
            Accept-Encoding: identity\r
            Connection: close\r
            Range: bytes=10-\r
            \r

            """)
    }

    @Test("a POST carries its length and body; the caller's own User-Agent and Accept replace ours")
    func postHead() throws {
        let request = ClientRequest(method: "POST", url: try checked("https://api.test/hooks"),
                                    headers: [("user-agent", "mine"), ("Accept", "application/json")],
                                    body: Array("{}".utf8), userAgent: "videohookd/1.0")
        let text = String(decoding: request.encoded, as: UTF8.self)
        #expect(text.hasPrefix("POST /hooks HTTP/1.1\r\nHost: api.test\r\nAccept-Encoding: identity\r\nConnection: close\r\n"))
        #expect(text.hasSuffix("user-agent: mine\r\nAccept: application/json\r\nContent-Length: 2\r\n\r\n{}"))
        #expect(!text.contains("videohookd/1.0"))
    }

    @Test("an empty POST still says Content-Length: 0")
    func emptyPost() throws {
        let request = ClientRequest(method: "POST", url: try checked("https://api.test/x"), headers: [], body: [],
                                    userAgent: "u")
        #expect(String(decoding: request.encoded, as: UTF8.self).hasSuffix("Content-Length: 0\r\n\r\n"))
    }
}
