import APIClient
import Foundation
import Logging
import Testing
import TestSupport
import VideoAPI

@Suite("The video API client: calls, errors, retries")
struct VideoAPIClientTests {
    static let key = "sk-test-0123456789"
    static let id = TaskID("task-unified-1761313744-vux2jw0k")!
    static let created = TaskBodies.task("task-unified-1761313744-vux2jw0k", status: "pending", created: 1761313744,
                                         estimatedTime: 165)

    let transport = ScriptedTransport()
    let sleeps = RecordedSleeps()

    func client(retry: APIRetryPolicy = APIRetryPolicy()) throws -> VideoAPIClient {
        try VideoAPIClient(configuration: VideoAPIClientConfiguration(baseURL: transport.base + "/", key: BearerKey(Self.key),
                                                                      retry: retry),
                           transport: transport, logger: Logger(label: "test"), sleep: sleeps.sleep)
    }

    func request() -> GenerationRequest {
        GenerationRequest(prompt: "A cat playing piano",
                          callbackURL: "https://hooks.example.com/callbacks/tok_abcdefghijklmnopqrstuv")
    }

    @Test("Create posts the JSON body with the bearer key to {base}/v1/videos/generations and returns the task")
    func createSendsRequest() throws {
        transport.script("POST /v1/videos/generations", ScriptedTransport.json(200, Self.created))
        let task = try client().createTask(request())
        #expect(task.id == Self.id)
        #expect(task.status == .pending)
        #expect(task.object.estimatedTime == 165)
        let sent = try #require(transport.requests.first)
        #expect(sent.method == "POST")
        #expect(sent.url == "https://api.test/apiv1/v1/videos/generations")
        #expect(sent.headers["Authorization"] == "Bearer \(Self.key)")
        #expect(sent.headers["Content-Type"] == "application/json")
        #expect(sent.body == (request()).jsonBody())
    }

    @Test("Query gets {base}/v1/tasks/{id}; an answer about another task is refused")
    func queryChecksTheID() throws {
        transport.script("GET /v1/tasks/\(Self.id)", ScriptedTransport.json(200, Self.created))
        #expect(try client().task(Self.id).id == Self.id)
        #expect(transport.requests.first?.headers["Authorization"] == "Bearer \(Self.key)")
        let other = TaskID("task-unified-1761313744-other000")!
        transport.script("GET /v1/tasks/\(other)", ScriptedTransport.json(200, Self.created))
        #expect(throws: APIClientError.unreadableAnswer(
            call: .queryTask(other), reason: "it is about task task-unified-1761313744-vux2jw0k, not \(other)")) {
            try client().task(other)
        }
    }

    @Test("An answer that is not a task object is an error that says why")
    func unreadableAnswer() throws {
        transport.script("POST /v1/videos/generations", ScriptedTransport.json(200, #"{"ok":true}"#))
        #expect(throws: APIClientError.unreadableAnswer(call: .createTask, reason: "the body has no task id")) {
            try client().createTask(request())
        }
        transport.script("GET /v1/tasks/\(Self.id)", ScriptedTransport.json(200,
            TaskBodies.task(Self.id.rawValue, status: "completed", created: 1, results: ["file:///etc/passwd"])))
        #expect(performing: { try client().task(Self.id) }, throws: { error in
            "\(error)".contains("only http and https links are fetched")
        })
    }

    static let documented: [(Int, String, String, String?, String?, APIFailureKind)] = [
        (400, "invalid_request_error", "Invalid prompt parameter", "prompt", "provide a valid prompt", .invalidRequest),
        (401, "authentication_error", "Invalid or expired token", nil, nil, .unauthenticated),
        (402, "insufficient_quota_error", "Insufficient quota", nil, "https://ai.odkkk.com/apiv1/dashboard/billing", .insufficientQuota),
        (403, "permission_error", "Access denied for this model", "model", nil, .permissionDenied),
        (404, "not_found_error", "Specified model not found", "model", "seedance-1.5-pro", .notFound),
        (413, "request_too_large_error", "Request body too large", nil, "reduce prompt length", .requestTooLarge),
        (429, "rate_limit_error", "Rate limit exceeded", nil, "retry after 60 seconds", .rateLimited),
        (500, "internal_server_error", "Internal server error", nil, "try again later", .internalError),
        (502, "upstream_error", "Upstream AI service unavailable", nil, "try different model", .upstreamError),
        (503, "service_unavailable_error", "Service temporarily unavailable", nil, "retry after 30 seconds", .unavailable),
    ]

    @Test("Every documented error becomes its own kind, with the API's message, type, param and suggestion")
    func documentedErrors() throws {
        for (status, type, message, param, fallback, kind) in Self.documented {
            transport.script("POST /v1/videos/generations",
                             ScriptedTransport.error(status, type, message, param: param, fallback: fallback))
            let client = try client(retry: .once)
            do {
                _ = try client.createTask(request())
                Issue.record("\(status) did not throw")
            } catch {
                let failure = try #require(error.failure, "\(status): \(error)")
                #expect(failure.kind == kind)
                #expect(failure.status == status)
                let text = error.description
                #expect(text.contains("HTTP \(status) \(type)"), "\(text)")
                #expect(text.contains(message), "\(text)")
                if let fallback { #expect(text.contains("The API suggests: \(fallback)."), "\(text)") }
                if param == "prompt" { #expect(text.contains("param prompt = --prompt"), "\(text)") }
                if param == "model" { #expect(text.contains("param model = --model"), "\(text)") }
            }
        }
        #expect(Set(Self.documented.map(\.5)).count == 10)
    }

    @Test("Each kind gives its own advice: 401 names the key settings, 402 recharging")
    func advice() throws {
        transport.script("POST /v1/videos/generations", ScriptedTransport.error(401, "authentication_error", "Invalid or expired token"))
        #expect(performing: { try client().createTask(request()) }, throws: { error in
            "\(error)".contains("Check api.key or api.key_file")
        })
        transport.script("POST /v1/videos/generations", ScriptedTransport.error(402, "insufficient_quota_error", "Insufficient quota"))
        #expect(performing: { try client().createTask(request()) }, throws: { error in
            "\(error)".contains("Recharge the account")
        })
    }

    @Test("An error body that is not the API's shape is quoted, cut and cleaned")
    func proxyErrorPage() throws {
        transport.script("GET /v1/tasks/\(Self.id)",
                         .answer(APIResponse(status: 502, body: Array(("<html>bad gateway\u{1B}[2J" + String(repeating: "x", count: 500)).utf8))))
        let client = try client()
        do {
            _ = try client.task(Self.id)
            Issue.record("no error")
        } catch {
            #expect(error.failure?.kind == .upstreamError)
            let text = error.description
            #expect(text.contains("<html>bad gateway\\u{1b}[2J"))
            #expect(!text.contains("\u{1B}"))
            #expect(text.count < 600)
        }
    }

    @Test("The API key never appears in a message, even when the API echoes it")
    func keyNeverInMessages() throws {
        transport.script("POST /v1/videos/generations",
                         ScriptedTransport.error(401, "authentication_error", "key \(Self.key) is revoked",
                                                 fallback: "do not send \(Self.key)"))
        let client = try client()
        do {
            _ = try client.createTask(request())
        } catch {
            #expect(!error.description.contains(Self.key))
            #expect(error.description.contains("[redacted]"))
        }
        let configuration = VideoAPIClientConfiguration(baseURL: "https://x", key: BearerKey(Self.key))
        var dumped = ""
        dump(configuration, to: &dumped)
        #expect(!"\(configuration) \(configuration.key) \(dumped)".contains(Self.key))
    }

    @Test("429 is retried after the Retry-After the API sent, then succeeds")
    func rateLimitThenSuccess() throws {
        transport.script("POST /v1/videos/generations",
                         ScriptedTransport.error(429, "rate_limit_error", "Rate limit exceeded", headers: [("Retry-After", "7")]),
                         ScriptedTransport.json(200, Self.created))
        let task = try client().createTask(request())
        #expect(task.id == Self.id)
        #expect(transport.requests.count == 2)
        #expect(sleeps.all.count == 1)
        #expect(sleeps.all[0] >= 7)
    }

    @Test("503 without Retry-After waits as long as its fallback suggestion says")
    func unavailableHonoursSuggestion() throws {
        transport.script("GET /v1/tasks/\(Self.id)",
                         ScriptedTransport.error(503, "service_unavailable_error", "Service temporarily unavailable",
                                                 fallback: "retry after 30 seconds"),
                         ScriptedTransport.json(200, Self.created))
        _ = try client().task(Self.id)
        #expect(sleeps.all == [30])
    }

    @Test("429 that never ends gives up after the last attempt and says how many")
    func rateLimitGivesUp() throws {
        transport.script("POST /v1/videos/generations",
                         ScriptedTransport.error(429, "rate_limit_error", "Rate limit exceeded", headers: [("Retry-After", "1")]))
        let client = try client(retry: APIRetryPolicy(maxAttempts: 3))
        do {
            _ = try client.createTask(request())
            Issue.record("no error")
        } catch {
            #expect(error.failure?.kind == .rateLimited)
            #expect(error.failure?.attempts == 3)
            #expect(error.description.contains("3 attempts"))
        }
        #expect(transport.requests.count == 3)
        #expect(sleeps.all.count == 2)
    }

    @Test("A wait longer than the longest the client sits on is reported, not slept")
    func longWaitReported() throws {
        transport.script("POST /v1/videos/generations",
                         ScriptedTransport.error(429, "rate_limit_error", "Rate limit exceeded", headers: [("Retry-After", "3600")]))
        let client = try client()
        do {
            _ = try client.createTask(request())
        } catch {
            #expect(error.failure?.retryAfter == 3600)
            #expect(error.description.contains("It asked to wait 3600 s"))
        }
        #expect(sleeps.all.isEmpty)
        #expect(transport.requests.count == 1)
    }

    @Test("Other errors are not retried: a second create could bill a second video")
    func otherErrorsNotRetried() throws {
        for status in [400, 401, 402, 403, 404, 413, 500, 502] {
            let before = transport.requests.count
            transport.script("POST /v1/videos/generations", ScriptedTransport.error(status, "x", "y"))
            #expect(throws: APIClientError.self) { try client().createTask(request()) }
            #expect(transport.requests.count == before + 1, "\(status)")
        }
        #expect(sleeps.all.isEmpty)
    }

    @Test("No answer: a query is retried; a create only when the request never left")
    func transportFailures() throws {
        transport.script("GET /v1/tasks/\(Self.id)",
                         .fail(APITransportError("reset", requestMayHaveBeenSent: true)),
                         ScriptedTransport.json(200, Self.created))
        #expect(try client().task(Self.id).id == Self.id)

        transport.script("POST /v1/videos/generations",
                         .fail(APITransportError("connection refused", requestMayHaveBeenSent: false)),
                         ScriptedTransport.json(200, Self.created))
        #expect(try client().createTask(request()).id == Self.id)

        transport.script("POST /v1/videos/generations",
                         .fail(APITransportError("read timed out", requestMayHaveBeenSent: true)),
                         ScriptedTransport.json(200, Self.created))
        let before = transport.requests("POST /v1/videos/generations").count
        let client = try client()
        do {
            _ = try client.createTask(request())
            Issue.record("a create whose request may have left was sent again")
        } catch {
            guard case .unreachable(_, _, let attempts, let maySent) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(attempts == 1 && maySent)
            #expect(error.description.contains("a task may have been created"))
        }
        #expect(transport.requests("POST /v1/videos/generations").count == before + 1)
    }

    @Test("The base URL must be https: the key must not cross the network in clear")
    func baseURLMustBeHTTPS() {
        for base in ["http://api.example.com", "api.example.com", "https://api example.com", "https://a.example/?x=1"] {
            #expect(throws: APIClientError.self, "\(base)") {
                try VideoAPIClient(configuration: VideoAPIClientConfiguration(baseURL: base, key: BearerKey("k")),
                                   transport: transport, logger: Logger(label: "test"))
            }
        }
    }

    @Test("Fresh result links, the video first, come from the API's completed answer; none from an unfinished task")
    func freshResultURLs() throws {
        transport.script("GET /v1/tasks/\(Self.id)", ScriptedTransport.json(200,
            TaskBodies.task(Self.id.rawValue, status: "completed", created: 1,
                            results: ["https://cdn.example/v.mp4?sig=new", "https://cdn.example/last.png?sig=new"])))
        #expect(try client().freshResultURLs(for: Self.id)
                == ["https://cdn.example/v.mp4?sig=new", "https://cdn.example/last.png?sig=new"])
        transport.script("GET /v1/tasks/\(Self.id)", ScriptedTransport.json(200, Self.created))
        #expect(throws: APIClientError.self) { try client().freshResultURLs(for: Self.id) }
    }

    @Test("A replaced key is sent from the next call on")
    func replacedKey() throws {
        transport.script("GET /v1/tasks/\(Self.id)", ScriptedTransport.json(200, Self.created))
        let client = try client()
        _ = try client.task(Self.id)
        client.replaceKey(BearerKey("sk-new"))
        _ = try client.task(Self.id)
        #expect(transport.requests.map { $0.headers["Authorization"] } == ["Bearer \(Self.key)", "Bearer sk-new"])
    }
}
