import Foundation
import HTTP
import Logging
import Synchronization
import Transport
import VideoAPI

/// The video API's two calls, create and query, with the bearer key, the documented
/// errors turned into ``APIClientError``s, and retries where the API asks for them.
///
/// Retries: a 429 or a 503 is sent again after the wait the API asks for
/// (`Retry-After`, else its fallback suggestion, else backoff), up to
/// ``APIRetryPolicy/maxAttempts``. A query that got no answer at all is retried the same
/// way; a create is retried only when the failure came before the request left, since
/// a second create would bill a second video.
///
/// Blocking: call it from a thread that may wait (a command, the reconciler's thread).
public final class VideoAPIClient: Sendable {
    public let configuration: VideoAPIClientConfiguration
    private let transport: any APITransport
    private let logger: Logger
    private let sleep: @Sendable (Double) -> Void
    private let base: String
    /// The key in use: `api.key` may change on SIGHUP without a restart.
    private let key: Mutex<BearerKey>

    /// - Parameter sleep: waits the given seconds between retries; tests pass one that
    ///   records the wait instead.
    public init(configuration: VideoAPIClientConfiguration, transport: any APITransport, logger: Logger,
                sleep: @escaping @Sendable (Double) -> Void = { Thread.sleep(forTimeInterval: $0) })
        throws(APIClientError) {
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        guard let schemeEnd = base.range(of: "://") else {
            throw .badBaseURL("\"\(OutsideText.clean(base, limit: 100))\" is not an absolute URL; write it as https://host[/prefix]")
        }
        guard base[..<schemeEnd.lowerBound].lowercased() == "https" else {
            throw .badBaseURL("\"\(OutsideText.clean(base, limit: 100))\" is not https: the bearer key would cross the network in clear text")
        }
        guard base.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }), !base.contains("?"),
              !base.contains("#") else {
            throw .badBaseURL("\"\(OutsideText.clean(base, limit: 100))\" must be a plain https://host[:port][/prefix], without spaces, query or fragment")
        }
        self.base = base
        self.key = Mutex(configuration.key)
        self.configuration = configuration
        self.transport = transport
        self.logger = logger
        self.sleep = sleep
    }

    /// `POST /v1/videos/generations`: the API's answer, a task (usually `pending`).
    public func createTask(_ request: GenerationRequest) throws(APIClientError) -> ValidatedTask {
        let call = APICall.createTask
        let response = try send(call, method: "POST", path: "/v1/videos/generations", body: request.jsonBody())
        return try task(from: response, call: call, expecting: nil)
    }

    /// `GET /v1/tasks/{id}`: the task as the API knows it now.
    public func task(_ id: TaskID) throws(APIClientError) -> ValidatedTask {
        let call = APICall.queryTask(id)
        let response = try send(call, method: "GET", path: "/v1/tasks/" + id.rawValue, body: [])
        return try task(from: response, call: call, expecting: id)
    }

    /// The task's current result URLs, the video first, for a download whose link
    /// answered 403 or 410: the API signs fresh links when asked. Throws when the API
    /// does not say the task completed with a video.
    public func freshResultURLs(for id: TaskID) throws(APIClientError) -> [String] {
        let answer = try task(id)
        guard answer.status == .completed, answer.videoURL != nil else {
            throw .unreadableAnswer(call: .queryTask(id),
                                    reason: "the task is \(answer.status.rawValue), so there is no video link to refresh")
        }
        return answer.results
    }

    /// Uses `key` from the next call on (a reloaded `api.key`).
    public func replaceKey(_ key: BearerKey) {
        self.key.withLock { $0 = key }
    }

    /// The endpoint's URL, for messages and tests.
    public func url(forPath path: String) -> String { base + path }

    // MARK: Sending

    private func send(_ call: APICall, method: String, path: String, body: [UInt8]) throws(APIClientError) -> APIResponse {
        var headers = HTTPHeaders()
        headers.add("Authorization", key.withLock { $0.headerValue })
        headers.add("Accept", "application/json")
        headers.add("User-Agent", configuration.userAgent)
        if method == "POST" { headers.add("Content-Type", "application/json") }
        let request = APIRequest(method: method, url: base + path, headers: headers, body: body,
                                 maxResponseBytes: configuration.maxResponseBytes, timeout: configuration.timeout)
        var attempt = 0
        while true {
            attempt += 1
            let started = MonotonicClock.nanoseconds()
            let response: APIResponse
            do {
                response = try transport.send(request)
            } catch {
                let retryable = call.isIdempotent || !error.requestMayHaveBeenSent
                let maySent = error.requestMayHaveBeenSent
                if retryable, let delay = configuration.retry.delay(afterAttempt: attempt, retryAfter: nil) {
                    logRetry(call, attempt: attempt, delay: delay, reason: error.reason)
                    sleep(delay)
                    continue
                }
                throw .unreachable(call: call, reason: clean(error.reason), attempts: attempt,
                                   requestMayHaveBeenSent: maySent)
            }
            logger.debug("api.answer", metadata: [
                "call": "\(method) \(path)", "status": "\(response.status)", "attempt": "\(attempt)",
                "ms": "\((MonotonicClock.nanoseconds() &- started) / 1_000_000)",
            ])
            if (200..<300).contains(response.status) { return response }
            let failure = self.failure(from: response, call: call, attempts: attempt)
            if failure.kind.isRetried,
               let delay = configuration.retry.delay(afterAttempt: attempt, retryAfter: failure.retryAfter) {
                logRetry(call, attempt: attempt, delay: delay, reason: "HTTP \(response.status)")
                sleep(delay)
                continue
            }
            throw .api(failure)
        }
    }

    private func logRetry(_ call: APICall, attempt: Int, delay: Double, reason: String) {
        var metadata: Logger.Metadata = [
            "call": "\(call)", "attempt": "\(attempt)", "reason": "\(clean(reason))",
            "retry_in": "\(String(format: "%.1f", delay))s",
        ]
        if case .queryTask(let id) = call { metadata["task_id"] = "\(id)" }
        logger.warning("api.retry", metadata: metadata)
    }

    private func failure(from response: APIResponse, call: APICall, attempts: Int) -> APIFailure {
        let decoded = try? JSONDecoder().decode(APIErrorBody.self, from: Data(response.body))
        let detail = decoded.map { body in
            APIErrorBody.Detail(code: body.error.code, message: body.error.message.map { clean($0) },
                                type: body.error.type.map { clean($0, limit: 64) },
                                param: body.error.param.map { clean($0, limit: 64) },
                                fallbackSuggestion: body.error.fallbackSuggestion.map { clean($0) })
        }
        let excerpt = detail == nil && !response.body.isEmpty
            ? clean(String(decoding: response.body.prefix(200), as: UTF8.self), limit: 200) : nil
        let retryAfter = RetryAfter.seconds(header: response.headers["Retry-After"],
                                            fallbackSuggestion: detail?.fallbackSuggestion)
        return APIFailure(status: response.status, detail: detail, bodyExcerpt: excerpt, attempts: attempts,
                          retryAfter: retryAfter, call: call)
    }

    /// The answer as a task the daemon can act on: a safe id, a known status, http(s)
    /// result URLs, a video when completed, and, for a query, the task that was asked about.
    private func task(from response: APIResponse, call: APICall, expecting id: TaskID?) throws(APIClientError) -> ValidatedTask {
        switch CallbackBody.classify(response.body) {
        case .task(let task):
            if let id, task.id != id {
                throw .unreadableAnswer(call: call, reason: "it is about task \(task.id), not \(id)")
            }
            return task
        case .unrecognized(let reason), .hostile(let reason, _):
            throw .unreadableAnswer(call: call, reason: clean(reason))
        }
    }

    private func clean(_ text: String, limit: Int = 300) -> String {
        OutsideText.clean(text, limit: limit, redacting: key.withLock { $0.value })
    }
}
