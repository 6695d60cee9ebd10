import APIClient
import Foundation
import Logging
import TestSupport
import Testing
import URLPolicy
import VideoAPI

/// The client on the real transport (the downloader's HTTPS client) against the fake
/// video API: real TLS with the test's own CA, real sockets on 127.0.0.1.
@Suite("The video API client over HTTPS, against the fake API", .serialized)
final class HTTPSAPITransportTests {
    static let key = "sk-live-test-4242"
    let api: FakeVideoAPI

    init() throws {
        api = try FakeVideoAPI(requireKey: Self.key)
    }

    deinit { api.removeFiles() }

    func client(caFile: String?, baseURL: String? = nil, resolver: any HostResolver = SystemHostResolver(),
                maxResponseBytes: Int = 1 << 20) throws -> VideoAPIClient {
        try VideoAPIClient(
            configuration: VideoAPIClientConfiguration(baseURL: baseURL ?? api.baseURL, key: BearerKey(Self.key),
                                                       timeout: .seconds(10), maxResponseBytes: maxResponseBytes),
            transport: try HTTPSAPITransport(caFile: caFile, resolver: resolver), logger: Logger(label: "test"))
    }

    static let request = GenerationRequest(prompt: "A cat playing piano", duration: 6,
                                           callbackURL: "https://hooks.example.com/callbacks/tok_abcdefghijklmnopqrstuv")

    @Test("Create reaches the API over TLS with the key and the JSON body; the answer is the task")
    func createOverHTTPS() throws {
        api.script(["POST /v1/videos/generations": [.json(200, TaskBodies.task(
            "task-unified-1761313744-https000", status: "pending", created: 1_761_313_744, estimatedTime: 165))]])
        let task = try client(caFile: api.certificates.caFile).createTask(Self.request)
        #expect(task.id.rawValue == "task-unified-1761313744-https000")
        let sent = try #require(api.requests().first)
        #expect(sent.method == "POST" && sent.path == "/v1/videos/generations")
        #expect(sent.headers["authorization"] == "Bearer \(Self.key)")
        #expect(sent.headers["content-type"] == "application/json")
        #expect(sent.headers["host"] == "127.0.0.1:\(api.port)")
        #expect(sent.body == String(decoding: Self.request.jsonBody(), as: UTF8.self))
    }

    @Test("Without api.ca_file the test CA is not trusted: nothing is sent, the message says why")
    func untrustedWithoutCAFile() throws {
        api.script(["POST /v1/videos/generations": [.json(200, "{}")]])
        let client = try client(caFile: nil)
        do {
            _ = try client.createTask(Self.request)
            Issue.record("an untrusted certificate was accepted")
        } catch {
            guard case .unreachable(_, let reason, _, let maySent) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(reason.contains("not trusted"), "\(reason)")
            #expect(!maySent)
        }
        #expect(api.requests().isEmpty)
    }

    @Test("The host name is still checked: a name the certificate does not carry is refused, though it resolves to the server")
    func hostNameChecked() throws {
        api.script(["GET /v1/tasks/task-unified-1-abcdefgh": [.json(200, "{}")]])
        let resolver = FixedHostResolver(addresses: ["api.test": [try #require(IPAddress("127.0.0.1"))]])
        let client = try client(caFile: api.certificates.caFile, baseURL: "https://api.test:\(api.port)",
                                resolver: resolver)
        do {
            _ = try client.task(TaskID("task-unified-1-abcdefgh")!)
            Issue.record("a certificate for files.test and 127.0.0.1 was accepted for api.test")
        } catch {
            #expect("\(error)".contains("not for api.test"), "\(error)")
        }
        #expect(api.requests().isEmpty)
    }

    @Test("429 with Retry-After: 1, then success: the client waits a second and the task is created once")
    func rateLimitedThenCreated() throws {
        api.script(["POST /v1/videos/generations": [
            .apiError(429, type: "rate_limit_error", message: "Rate limit exceeded",
                      fallbackSuggestion: "retry after 60 seconds", headers: ["Retry-After": "1"]),
            .json(200, TaskBodies.task("task-unified-1761313744-retry000", status: "pending", created: 1_761_313_744)),
        ]])
        let started = Date()
        let task = try client(caFile: api.certificates.caFile).createTask(Self.request)
        #expect(task.id.rawValue == "task-unified-1761313744-retry000")
        #expect(Date().timeIntervalSince(started) >= 1)
        #expect(api.requests("POST /v1/videos/generations").count == 2)
    }

    @Test("A wrong key gets the API's 401 as a message that names the settings, without the key")
    func wrongKey() throws {
        let client = try VideoAPIClient(
            configuration: VideoAPIClientConfiguration(baseURL: api.baseURL, key: BearerKey("sk-wrong-key")),
            transport: try HTTPSAPITransport(caFile: api.certificates.caFile), logger: Logger(label: "test"))
        do {
            _ = try client.task(TaskID("task-unified-1-abcdefgh")!)
        } catch {
            #expect(error.failure?.kind == .unauthenticated)
            #expect(error.description.contains("Check api.key or api.key_file"))
            #expect(!error.description.contains("sk-wrong-key"))
        }
    }

    @Test("An answer larger than the limit is refused, not cut")
    func answerSizeLimit() throws {
        let id = TaskID("task-unified-1-bigbig00")!
        api.script(["GET /v1/tasks/\(id)": [FakeResponse(status: 200, text: String(repeating: "x", count: 5000))]])
        let small = try client(caFile: api.certificates.caFile, maxResponseBytes: 4096)
        #expect(performing: { try small.task(id) }, throws: { "\($0)".contains("larger than 4096 bytes") })
        api.script(["GET /v1/tasks/\(id)": [FakeResponse(status: 200, text: String(repeating: "x", count: 4096))]])
        #expect(performing: { try small.task(id) }, throws: { "\($0)".contains("not valid JSON") })
    }
}
