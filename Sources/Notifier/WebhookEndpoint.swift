import Foundation
import HTTP
import HTTPClient
import Transport

/// One of the operator's webhooks: its URL, its signer, and a client trusting the
/// system's store plus its `ca_file`. The endpoint is the operator's own, so plain
/// `http` and internal addresses are allowed; no redirect is followed (a redirect would
/// carry the signed body elsewhere, and the spec counts only a 2xx as delivered).
public final class WebhookEndpoint: Sendable {
    public let url: String
    private let signer: WebhookSigner
    private let client: HTTPSClient
    private let timeout: Duration

    public init(url: String, signer: WebhookSigner, client: HTTPSClient, timeout: Duration) {
        self.url = url
        self.signer = signer
        self.client = client
        self.timeout = timeout
    }

    /// One POST of `body`, signed now; a 2xx is delivered, anything else is not.
    public func deliver(eventID: String, body: [UInt8], canceller: ConnectionCanceller,
                        now: Date = Date()) -> DeliveryResult {
        let timestamp = Int64(now.timeIntervalSince1970)
        var headers = HTTPHeaders()
        for (name, value) in signer.headers(id: eventID, timestamp: timestamp, body: body) { headers.add(name, value) }
        let deadline = MonotonicClock.nanoseconds() &+ UInt64(max(0, timeout.seconds) * 1e9)
        do {
            let answer = try client.send(method: "POST", url: url, headers: headers, body: body,
                                         maxResponseBytes: 64 << 10, canceller: canceller, deadline: deadline)
            let status = answer.head.status
            if (200...299).contains(status) { return DeliveryResult(delivered: true, httpStatus: status) }
            let retryAfter = status == 429 || status == 503 ? RetryAfterHeader.seconds(answer.head.headers["Retry-After"]) : nil
            let location = (300...399).contains(status) ? " (redirects are not followed)" : ""
            return DeliveryResult(delivered: false, error: "HTTP \(status) \(answer.head.reason)\(location)",
                                  httpStatus: status, retryAfter: retryAfter)
        } catch {
            return DeliveryResult(delivered: false, error: error.reason)
        }
    }
}
