import ObjectStore
@testable import Serve
import Settings
import Testing
import URLPolicy

/// What `serve` makes of `s3.*` before any request: where requests go (endpoint, path
/// or virtual-hosted style), what the URL policy lets through, which settings a refusal
/// names, and the credentials the signer gets.
@Suite("The S3 client factory")
struct S3ClientFactoryTests {
    static let credentials = S3Settings.Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                                                    secretAccessKey: Secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                                                    sessionToken: Secret("session-token-value"))

    static func settings(bucket: String = "videos", endpoint: String? = nil, region: String = "eu-west-1",
                         pathStyle: Bool = false, caFile: String? = nil) -> S3Settings {
        S3Settings(bucket: bucket, endpoint: endpoint, region: region, pathStyle: pathStyle, credentials: credentials,
                   caFile: caFile)
    }

    private func refusal(_ settings: S3Settings) -> String? {
        do {
            _ = try S3ClientFactory(settings: settings)
            return nil
        } catch {
            return error.description
        }
    }

    @Test("no endpoint: AWS's regional endpoint, virtual-hosted (the bucket in the host name)")
    func awsDefault() throws {
        let factory = try S3ClientFactory(settings: Self.settings())
        #expect(factory.endpoint.description == "https://s3.eu-west-1.amazonaws.com")
        #expect(!factory.endpoint.pathStyle)
        let request = factory.endpoint.request(method: "HEAD", key: nil)
        #expect(request.host == "videos.s3.eu-west-1.amazonaws.com" && request.path == "/")
        #expect(request.url == "https://videos.s3.eu-west-1.amazonaws.com/")
    }

    @Test("MinIO on the LAN over http, path style: the bucket leads the path, the port is kept")
    func pathStyle() throws {
        let factory = try S3ClientFactory(settings: Self.settings(endpoint: "http://10.0.0.5:9000", region: "us-east-1",
                                                                  pathStyle: true))
        #expect(factory.endpoint.description == "http://10.0.0.5:9000")
        let request = factory.endpoint.request(method: "PUT", key: "videos/2026/12/07/t.mp4")
        #expect(request.url == "http://10.0.0.5:9000/videos/videos/2026/12/07/t.mp4")
        #expect(factory.makeClient(credentials: Self.credentials).endpoint.region == "us-east-1")
    }

    @Test("R2: an https endpoint of the account, region auto, path style")
    func cloudflareR2() throws {
        let factory = try S3ClientFactory(settings: Self.settings(endpoint: "https://0123abcd.r2.cloudflarestorage.com",
                                                                  region: "auto", pathStyle: true))
        #expect(factory.endpoint.request(method: "GET", key: "k").url == "https://0123abcd.r2.cloudflarestorage.com/videos/k")
    }

    @Test("refusals name the setting to change: an IP endpoint without path style, a dotted bucket over https, a missing CA file")
    func refusalsNameTheSetting() {
        let ip = refusal(Self.settings(endpoint: "http://192.168.1.20:9000"))
        #expect(ip?.contains("s3.path_style") == true, "\(ip ?? "accepted")")
        let dotted = refusal(Self.settings(bucket: "videos.example.com"))
        #expect(dotted?.contains("s3.path_style") == true, "\(dotted ?? "accepted")")
        let ca = refusal(Self.settings(caFile: "/nonexistent/s3-ca.pem"))
        #expect(ca?.contains("s3.ca_file") == true, "\(ca ?? "accepted")")
        let region = refusal(Self.settings(region: "eu west"))
        #expect(region?.contains("s3.region") == true, "\(region ?? "accepted")")
    }

    @Test("the policy is the operator's own endpoint's: plain http and internal addresses pass, which the callback rules refuse")
    func policyAllowsTheOperatorsEndpoint() {
        let resolver = FixedHostResolver(addresses: ["minio.lan": [IPAddress(192, 168, 1, 10)]])
        let policy = S3ClientFactory.policy(resolver: resolver)
        let strict = URLPolicy(resolver: resolver)
        for url in ["http://127.0.0.1:9000/videos", "http://minio.lan:9000/videos", "https://10.1.2.3/videos",
                    "http://[::1]:9000/videos"] {
            if case .failure(let refusal) = policy.check(url) { Issue.record("\(url) refused: \(refusal)") }
            if case .success = strict.check(url) { Issue.record("\(url) passes the callback rules: the test proves nothing") }
        }
        // Every other rule still holds.
        if case .success = policy.check("ftp://minio.lan/videos") { Issue.record("ftp passed") }
        if case .success = policy.check("http://user:pw@minio.lan/videos") { Issue.record("user info passed") }
    }

    @Test("the signer gets the secret and the token themselves; printing them shows neither")
    func signingCredentials() {
        let signing = S3ClientFactory.signing(Self.credentials)
        #expect(signing.accessKeyID == "AKIAIOSFODNN7EXAMPLE")
        #expect(signing.secretAccessKey == "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        #expect(signing.sessionToken == "session-token-value")
        #expect(!"\(signing)".contains("wJalrXUtnFEMI") && !"\(signing)".contains("session-token-value"))
        #expect(!"\(Self.credentials)".contains("wJalrXUtnFEMI"))
    }
}
