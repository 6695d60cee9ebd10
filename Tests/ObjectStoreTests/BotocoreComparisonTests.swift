import Foundation
import Testing
@testable import ObjectStore

/// Our signer and botocore's, given the same requests at the same time, must agree on
/// the URL (the path's and query's encoding) and on every signed header, the
/// `Authorization` one above all. Keys with the characters that trip encoders: space,
/// `+`, `~`, `%`, `=`, `&`, non-ASCII; queries with bare names, part numbers and odd prefixes.
@Suite("S3 signatures against botocore")
struct BotocoreComparisonTests {
    private static let time: Int64 = 1_796_000_000 // 2026-11-30T00:53:20Z
    private static let keys = [
        "plain.mp4", "with space/and+plus.mp4", "tilde~percent%25%.json", "été/日本語 ✓.mp4",
        "eq=amp&q?hash#.mp4", "a//double/slash/", "semi;colon,comma:@!$'()*",
    ]

    struct Scenario {
        var name: String
        var method: String
        var key: String?
        var query: [(String, String)] = []
        var headers: [(String, String)] = []
        var body: [UInt8] = []
        var unsigned = false
    }

    private static var scenarios: [Scenario] {
        var all: [Scenario] = keys.map { Scenario(name: "GET \($0)", method: "GET", key: $0) }
        all += keys.map { Scenario(name: "PUT \($0)", method: "PUT", key: $0,
                                   headers: [("Content-Type", "application/json"), ("x-amz-meta-sha256", "ab" + String(repeating: "0", count: 62)),
                                             ("x-amz-meta-task-id", "  cgt-2026  1207 "), ("x-amz-storage-class", "STANDARD_IA")],
                                   body: Array("{\"task\":\"été\"}".utf8)) }
        all += [
            Scenario(name: "CreateMultipartUpload", method: "POST", key: keys[1], query: [("uploads", "")],
                     headers: [("x-amz-checksum-algorithm", "SHA256")]),
            Scenario(name: "UploadPart", method: "PUT", key: keys[3], query: [("uploadId", "2~abc/def+ghi=="), ("partNumber", "10")],
                     headers: [("x-amz-checksum-sha256", "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=")],
                     body: Array("abc".utf8)),
            Scenario(name: "UploadPart unsigned", method: "PUT", key: keys[4], query: [("partNumber", "2"), ("uploadId", "xyz")],
                     body: Array(repeating: 7, count: 1000), unsigned: true),
            Scenario(name: "ListParts", method: "GET", key: keys[2], query: [("uploadId", "u p"), ("max-parts", "1000"),
                                                                             ("part-number-marker", "3")]),
            Scenario(name: "ListMultipartUploads", method: "GET", key: nil,
                     query: [("uploads", ""), ("prefix", "vid éo/2026+12 ~%&="), ("key-marker", "a b"), ("upload-id-marker", "x/y")]),
            Scenario(name: "ListObjectsV2", method: "GET", key: nil, query: [("list-type", "2"), ("prefix", "a&b=c/"), ("delimiter", "/")]),
            Scenario(name: "AbortMultipartUpload", method: "DELETE", key: keys[0], query: [("uploadId", "abc")]),
            Scenario(name: "HeadBucket", method: "HEAD", key: nil),
            Scenario(name: "Complete", method: "POST", key: keys[5], query: [("uploadId", "abc")],
                     headers: [("Content-Type", "application/xml")], body: Array("<CompleteMultipartUpload/>".utf8)),
        ]
        return all
    }

    private struct Style {
        var name: String
        var endpoint: String
        var pathStyle: Bool
        var region: String
    }

    private static let styles = [
        Style(name: "virtual-hosted on AWS", endpoint: "https://s3.eu-central-1.amazonaws.com", pathStyle: false, region: "eu-central-1"),
        Style(name: "path style with a port", endpoint: "http://127.0.0.1:9000", pathStyle: true, region: "us-east-1"),
        Style(name: "virtual-hosted with a port", endpoint: "https://s3.example.test:8443", pathStyle: false, region: "auto"),
    ]

    private static let credentialSets = [
        S3Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        S3Credentials(accessKeyID: "ASIAEXAMPLETEMPORARY", secretAccessKey: "tmp+secret/key==",
                      sessionToken: "FwoGZXIvYXdzEJr//////////wEaDM+token/with=odd&chars"),
    ]

    @Test("every request, in every style, with and without a session token, signs as botocore signs it")
    func headerSignatures() throws {
        var ours: [(String, S3Request, [(name: String, value: String)])] = []
        var theirs: [BotocoreSigner.Case] = []
        let at = AmzTimestamp(secondsSince1970: Self.time)
        for style in Self.styles {
            let endpoint = try S3Endpoint(bucket: "video-archive", region: style.region, endpoint: style.endpoint,
                                          pathStyle: style.pathStyle)
            for credentials in Self.credentialSets {
                let signer = S3Signer(credentials: credentials, region: style.region)
                for scenario in Self.scenarios {
                    let request = endpoint.request(method: scenario.method, key: scenario.key,
                                                   query: scenario.query.map { ($0.0, $0.1) },
                                                   headers: scenario.headers.map { ($0.0, $0.1) })
                    let payload: S3Payload = scenario.unsigned ? .unsigned : .of(scenario.body)
                    let name = "\(scenario.name), \(style.name)\(credentials.sessionToken == nil ? "" : ", session token")"
                    ours.append((name, request, signer.sign(request, payload: payload, at: at)))
                    theirs.append(BotocoreSigner.Case(
                        method: scenario.method, scheme: endpoint.scheme, host: request.host,
                        pathBucket: style.pathStyle ? endpoint.bucket : nil, key: scenario.key,
                        query: scenario.query.map { [$0.0, $0.1] }, headers: scenario.headers.map { [$0.0, $0.1] },
                        bodyHex: scenario.body.map { String(format: "%02x", $0) }.joined(), region: style.region,
                        accessKey: credentials.accessKeyID, secretKey: credentials.secretAccessKey,
                        token: credentials.sessionToken, time: Self.time, unsignedPayload: scenario.unsigned,
                        presignExpires: nil))
                }
            }
        }
        let signed = try BotocoreSigner.sign(theirs)
        try #require(signed.count == ours.count)
        for ((name, request, headers), botocore) in zip(ours, signed) {
            let (path, query) = Self.split(botocore.url)
            let (ourPath, ourQuery) = Self.split(request.url)
            #expect(ourPath == path, "\(name): URL")
            #expect(ourQuery == query, "\(name): query")
            for (field, value) in headers {
                #expect(botocore.headers[field.lowercased()] == value, "\(name): \(field)")
            }
            #expect(botocore.headers["authorization"] != nil, "\(name): botocore made no Authorization")
        }
    }

    @Test("presigned GET URLs match botocore's: the same query parameters and signature, with and without a token")
    func presignedURLs() throws {
        var ours: [(String, String)] = []
        var theirs: [BotocoreSigner.Case] = []
        let at = AmzTimestamp(secondsSince1970: Self.time)
        for style in Self.styles {
            let endpoint = try S3Endpoint(bucket: "video-archive", region: style.region, endpoint: style.endpoint,
                                          pathStyle: style.pathStyle)
            for credentials in Self.credentialSets {
                for (key, expires) in zip(Self.keys, [1, 60, 3600, 86_400, 604_800, 900, 7200]) {
                    let request = endpoint.request(method: "GET", key: key)
                    let url = try S3Signer(credentials: credentials, region: style.region)
                        .presignedURL(request, expiresIn: expires, at: at)
                    ours.append(("\(key), \(style.name), \(expires) s", url))
                    theirs.append(BotocoreSigner.Case(
                        method: "GET", scheme: endpoint.scheme, host: request.host,
                        pathBucket: style.pathStyle ? endpoint.bucket : nil, key: key, query: [], headers: [], bodyHex: "",
                        region: style.region, accessKey: credentials.accessKeyID, secretKey: credentials.secretAccessKey,
                        token: credentials.sessionToken, time: Self.time, unsignedPayload: false, presignExpires: expires))
                }
            }
        }
        let signed = try BotocoreSigner.sign(theirs)
        try #require(signed.count == ours.count)
        for ((name, url), botocore) in zip(ours, signed) {
            let (path, query) = Self.split(botocore.url)
            let (ourPath, ourQuery) = Self.split(url)
            #expect(ourPath == path, "\(name): URL")
            #expect(ourQuery == query, "\(name): query")
            #expect(ourQuery.contains { $0.hasPrefix("X-Amz-Signature=") }, "\(name): no signature")
        }
    }

    /// Everything before `?`, and the query's parts sorted (the order of parameters is
    /// free; their encoding is not).
    private static func split(_ url: String) -> (String, [String]) {
        guard let mark = url.firstIndex(of: "?") else { return (url, []) }
        return (String(url[..<mark]), url[url.index(after: mark)...].split(separator: "&").map(String.init).sorted())
    }
}
