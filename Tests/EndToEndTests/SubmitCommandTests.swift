import Foundation
import Ledger
import TestSupport
import Testing
import VideoAPI

/// `videohookd submit` and `videohookd reconcile` as an operator runs them, against the
/// fake video API over HTTPS (the tests' CA trusted through `api.ca_file`).
@Suite("submit and reconcile, end to end", .serialized)
final class SubmitCommandTests {
    static let key = "sk-e2e-secret-key-7f3a"
    static let createRoute = "POST /v1/videos/generations"
    let api: FakeVideoAPI
    let daemon: DaemonProcess

    init() throws {
        api = try FakeVideoAPI(requireKey: Self.key)
        daemon = try DaemonProcess(config: Self.config(api))
    }

    deinit {
        api.removeFiles()
        daemon.removeFiles()
    }

    /// A public address as public_url: the callback URL rules pass without DNS.
    static func config(_ api: FakeVideoAPI, publicURL: String? = "https://9.9.9.9:8443", key: String? = key) -> String {
        var lines: [String] = []
        if let publicURL { lines.append("public_url: \(publicURL)") }
        lines.append("api:")
        lines.append("  base_url: \(api.baseURL)")
        lines.append("  ca_file: \(api.certificates.caFile)")
        if let key { lines.append("  key: \(key)") }
        return lines.joined(separator: "\n")
    }

    static func createdBody(_ id: String, created: Int = Int(Date().timeIntervalSince1970), estimated: Int = 165) -> String {
        #"{"id":"\#(id)","object":"video.generation.task","model":"seedance-1.5-pro","created":\#(created),"status":"pending","progress":0,"type":"video","task_info":{"can_cancel":true,"estimated_time":\#(estimated),"video_duration":5},"usage":{"billing_rule":"per_call","credits_reserved":8,"user_group":"default"}}"#
    }

    func submit(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try daemon.command(["submit"] + arguments)
    }

    @Test("Each kind of bad flag: exit 2, a message naming the flag, and nothing sent", arguments: [
        ([String](), "--prompt is required"),
        (["--prompt", String(repeating: "x", count: 2001)], "--prompt is 2001 characters long"),
        (["--prompt", "p", "--image", "https://i.example/1.png", "--image", "https://i.example/2.png",
          "--image", "https://i.example/3.png"], "--image is given 3 times"),
        (["--prompt", "p", "--image", "https://i.example/cat.gif"], "--image \"https://i.example/cat.gif\" does not end in"),
        (["--prompt", "p", "--image", "ftp://i.example/cat.png"], "--image \"ftp://i.example/cat.png\" has scheme ftp"),
        (["--prompt", "p", "--duration", "3"], "--duration is 3"),
        (["--prompt", "p", "--duration", "13"], "--duration is 13"),
        (["--prompt", "p", "--duration", "five"], "--duration"),
        (["--prompt", "p", "--quality", "4k"], "--quality is \"4k\""),
        (["--prompt", "p", "--aspect-ratio", "2:1"], "--aspect-ratio is \"2:1\""),
        (["--prompt", "p", "--model", ""], "--model is empty"),
    ])
    func badFlags(arguments: [String], message: String) throws {
        let result = try submit(arguments)
        #expect(result.status == 2, "\(result.error)")
        #expect(result.error.contains(message), "\(result.error)")
        #expect(result.output.isEmpty)
        #expect(api.requests().isEmpty, "a request was sent for bad flags")
        #expect(!FileManager.default.fileExists(atPath: daemon.ledgerFile), "a ledger was made for bad flags")
    }

    @Test("No key, no public_url, or a callback URL on an internal address: refused before sending")
    func refusedBeforeSending() throws {
        let noKey = try DaemonProcess(config: Self.config(api, key: nil))
        defer { noKey.removeFiles() }
        let withoutKey = try noKey.command(["submit", "--prompt", "p"])
        #expect(withoutKey.status == 4)
        #expect(withoutKey.error.contains("no API key: set api.key or api.key_file"))

        let noURL = try DaemonProcess(config: Self.config(api, publicURL: nil))
        defer { noURL.removeFiles() }
        let withoutURL = try noURL.command(["submit", "--prompt", "p"])
        #expect(withoutURL.status == 3)
        #expect(withoutURL.error.contains("public_url is not set"))

        let privateURL = try DaemonProcess(config: Self.config(api, publicURL: "https://192.168.1.20:8443"))
        defer { privateURL.removeFiles() }
        let refused = try privateURL.command(["submit", "--prompt", "p"])
        #expect(refused.status == 3)
        #expect(refused.error.contains("internal-address"), "\(refused.error)")
        #expect(refused.error.contains("Nothing was sent"))
        #expect(!refused.error.contains(privateURL.token) || privateURL.token.isEmpty)
        #expect(api.requests().isEmpty)
    }

    @Test("Success: the task is recorded as submitted, with its request and estimated time, and its id printed")
    func success() throws {
        let id = "task-unified-1761313744-submit01"
        api.script([Self.createRoute: [.json(200, Self.createdBody(id))]])
        let result = try submit(["--prompt", "A cat playing piano", "--duration", "8", "--quality", "1080p",
                                 "--aspect-ratio", "9:16", "--no-audio", "--image", "https://i.example/first.png"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == id + "\n")

        let sent = try #require(api.requests(Self.createRoute).first)
        #expect(sent.headers["authorization"] == "Bearer \(Self.key)")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(sent.body.utf8)) as? [String: Any])
        #expect(body["callback_url"] as? String == "https://9.9.9.9:8443/callbacks/\(daemon.token)")
        #expect(body["duration"] as? Int == 8 && body["quality"] as? String == "1080p")
        #expect(body["aspect_ratio"] as? String == "9:16" && body["generate_audio"] as? Bool == false)
        #expect(body["image_urls"] as? [String] == ["https://i.example/first.png"])

        let detail = try #require(try Ledger.openForReading(path: daemon.ledgerFile).task(id: TaskID(id)!))
        #expect(detail.task.submittedByUs)
        #expect(detail.task.status == .pending)
        #expect(detail.task.estimatedTime == 165)
        let request = try #require(detail.task.requestJSON)
        #expect(request.contains("https://9.9.9.9:8443/callbacks/<token>"))
        #expect(!request.contains(daemon.token))
        #expect(request.contains(#""prompt":"A cat playing piano""#))

        let shown = try daemon.command(["show", id])
        #expect(shown.output.contains("by this daemon"))
        #expect(!shown.output.contains(daemon.token))
    }

    @Test("--json prints the API's answer as it came")
    func jsonOutput() throws {
        let id = "task-unified-1761313744-json0001"
        api.script([Self.createRoute: [.json(200, Self.createdBody(id))]])
        let result = try submit(["--prompt", "p", "--json"])
        #expect(result.status == 0)
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(answer["id"] as? String == id)
        #expect((answer["task_info"] as? [String: Any])?["estimated_time"] as? Int == 165)
    }

    static let errors: [(status: Int, type: String, message: String, fallback: String?, exit: Int32)] = [
        (400, "invalid_request_error", "Invalid prompt parameter", "provide a valid prompt", 10),
        (401, "authentication_error", "Invalid or expired token", nil, 11),
        (402, "insufficient_quota_error", "Insufficient quota", "https://ai.odkkk.com/apiv1/dashboard/billing", 12),
        (403, "permission_error", "Access denied for this model", nil, 13),
        (404, "not_found_error", "Specified model not found", "seedance-1.5-pro", 14),
        (413, "request_too_large_error", "Request body too large", "reduce prompt length", 15),
        (429, "rate_limit_error", "Rate limit exceeded", "retry after 0 seconds", 16),
        (500, "internal_server_error", "Internal server error", "try again later", 17),
        (502, "upstream_error", "Upstream AI service unavailable", "try different model", 18),
        (503, "service_unavailable_error", "Service temporarily unavailable", "retry after 0 seconds", 19),
    ]

    @Test("Each documented API error: its own exit status, the API's message and suggestion, never the key",
          arguments: errors)
    func apiErrors(status: Int, type: String, message: String, fallback: String?, exit: Int32) throws {
        let param = status == 400 ? "prompt" : (status == 403 || status == 404 ? "model" : nil)
        api.script([Self.createRoute: [.apiError(status, type: type, message: message, param: param,
                                                 fallbackSuggestion: fallback)]])
        let result = try submit(["--prompt", "p"])
        #expect(result.status == exit, "\(status): \(result.error)")
        #expect(result.output.isEmpty)
        #expect(result.error.contains("HTTP \(status) \(type)"), "\(result.error)")
        #expect(result.error.contains(message))
        if let fallback { #expect(result.error.contains("The API suggests: \(fallback).")) }
        if status == 400 { #expect(result.error.contains("param prompt = --prompt")) }
        #expect(!result.error.contains(Self.key))
        let sent = api.requests(Self.createRoute).count
        #expect(sent == (status == 429 || status == 503 ? 4 : 1), "\(status) was sent \(sent) times")
        #expect(try Ledger.openForReading(path: daemon.ledgerFile).tasks().isEmpty)
    }

    @Test("--help documents every exit status")
    func helpTable() throws {
        let help = try BuiltBinary.run(["submit", "--help"])
        for (status, _, _, _, exit) in Self.errors {
            #expect(help.output.contains("\(exit)  \(status):"), "exit \(exit) missing from --help")
        }
        for line in ["0  the task was created", "2  a flag is missing", "3  public_url", "4  no API key", "5  the task was created but"] {
            #expect(help.output.contains(line), "\(line)")
        }
    }

    @Test("429 with Retry-After, then success: one task, created on the second request")
    func rateLimitedThenCreated() throws {
        let id = "task-unified-1761313744-retry001"
        api.script([Self.createRoute: [
            .apiError(429, type: "rate_limit_error", message: "Rate limit exceeded", headers: ["Retry-After": "1"]),
            .json(200, Self.createdBody(id)),
        ]])
        let result = try submit(["--prompt", "p"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == id + "\n")
        #expect(result.error.contains("api.retry"), "the wait is reported on stderr")
        #expect(api.requests(Self.createRoute).count == 2)
        #expect(try Ledger.openForReading(path: daemon.ledgerFile).tasks().map(\.id) == [id])
    }

    @Test("reconcile: a submitted task past its expected end is asked about and its completion recorded")
    func reconcileFindsCompletion() throws {
        let id = "task-unified-1761313744-recon001"
        let created = Int(Date().timeIntervalSince1970) - 600
        api.script([Self.createRoute: [.json(200, Self.createdBody(id, created: created, estimated: 60))]])
        #expect(try submit(["--prompt", "p"]).status == 0)
        let video = "https://media.example.com/v/\(id).mp4?sig=1"
        api.script(["GET /v1/tasks/\(id)": [.json(200, #"{"id":"\#(id)","status":"completed","created":\#(created),"progress":100,"results":["\#(video)"]}"#)]])
        let result = try daemon.command(["reconcile"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("\(id)  advanced  ledger pending, API completed"), "\(result.output)")
        #expect(result.output.contains("1 task: 1 advanced"))
        let detail = try #require(try Ledger.openForReading(path: daemon.ledgerFile).task(id: TaskID(id)!))
        #expect(detail.task.status == .completed)
        #expect(detail.downloadJob?.sourceURL == video)
        #expect(detail.task.verification == .verified)

        let again = try daemon.command(["reconcile", "--json"])
        #expect(again.status == 0)
        #expect(again.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
    }

    @Test("reconcile: questions that fail exit 3 and say why; no key exits 1")
    func reconcileFailures() throws {
        let id = "task-unified-1761313744-recon002"
        api.script([Self.createRoute: [.json(200, Self.createdBody(id, created: Int(Date().timeIntervalSince1970) - 600,
                                                                   estimated: 60))]])
        #expect(try submit(["--prompt", "p"]).status == 0)
        api.script(["GET /v1/tasks/\(id)": [.apiError(500, type: "internal_server_error", message: "Internal server error")]])
        let result = try daemon.command(["reconcile"])
        #expect(result.status == 3)
        #expect(result.output.contains("\(id)  ask-failed"))

        let noKey = try DaemonProcess(config: Self.config(api, key: nil))
        defer { noKey.removeFiles() }
        let refused = try noKey.command(["reconcile"])
        #expect(refused.status == 1)
        #expect(refused.error.contains("no API key"))
    }
}
