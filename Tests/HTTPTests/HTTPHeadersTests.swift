import HTTP
import Testing

@Suite("HTTPHeaders")
struct HTTPHeadersTests {
    @Test("lookups ignore the case of the name and return the first value")
    func caseInsensitiveLookup() {
        let headers = HTTPHeaders([("Content-Type", "a"), ("content-type", "b"), ("X", "c")])
        #expect(headers["CONTENT-TYPE"] == "a")
        #expect(headers.values("Content-type") == ["a", "b"])
        #expect(headers["missing"] == nil)
        #expect(headers.values("missing").isEmpty)
        #expect(headers.contains("x"))
    }

    @Test("add keeps earlier fields; replaceOrAdd leaves one field with the new value")
    func addAndReplace() {
        var headers: HTTPHeaders = ["Allow": "GET"]
        headers.add("allow", "POST")
        headers.add("Other", "1")
        #expect(headers.values("Allow") == ["GET", "POST"])
        headers.replaceOrAdd("ALLOW", "PUT")
        #expect(headers.values("Allow") == ["PUT"])
        #expect(headers.map(\.name) == ["Allow", "Other"], "the first field keeps its place")
        headers.replaceOrAdd("Retry-After", "5")
        #expect(headers["retry-after"] == "5")
        #expect(headers.count == 3)
        headers.remove("other")
        #expect(!headers.contains("Other"))
    }

    @Test("iteration keeps the order fields were added in")
    func order() {
        var headers = HTTPHeaders()
        for name in ["c", "a", "b"] { headers.add(name, name.uppercased()) }
        #expect(headers.map { "\($0.name)=\($0.value)" } == ["c=C", "a=A", "b=B"])
    }

    @Test("equality compares names, values and order")
    func equality() {
        #expect(HTTPHeaders([("a", "1"), ("b", "2")]) == HTTPHeaders([("a", "1"), ("b", "2")]))
        #expect(HTTPHeaders([("a", "1"), ("b", "2")]) != HTTPHeaders([("b", "2"), ("a", "1")]))
        #expect(HTTPHeaders([("a", "1")]) != HTTPHeaders([("a", "2")]))
    }
}

@Suite("HTTPRequestHead")
struct HTTPRequestHeadTests {
    @Test("the public initializer derives keep-alive, 100-continue and the path")
    func derived() {
        let head = HTTPRequestHead(method: "POST", target: "/a/b?c=d", version: .http1_1,
                                   headers: ["Expect": " 100-CONTINUE ", "Connection": "Close"])
        #expect(head.path == "/a/b")
        #expect(head.expectsContinue)
        #expect(!head.keepAlive)
        let old = HTTPRequestHead(method: "GET", target: "/", version: .http1_0, headers: ["Connection": "keep-alive"])
        #expect(old.keepAlive)
        #expect(!HTTPRequestHead(method: "GET", target: "/", version: .http1_0).keepAlive)
    }
}
