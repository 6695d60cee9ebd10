import Notifier
import Testing

@Suite("Webhook signatures")
struct WebhookSignerTests {
    private static let secretText = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    /// 32 bytes, as `openssl rand -base64 32` makes them.
    private static let otherSecretText = "whsec_q7wBgHDbp0o4Cyv5Fz3XhKhRZ3Jm1W1xY0S+2Oe0/wE="

    private func signer(_ texts: String...) throws -> WebhookSigner {
        WebhookSigner(secrets: try texts.map { try WebhookSecret(parsing: $0) })
    }

    @Test("the worked example of the Standard Webhooks specification")
    func specificationExample() throws {
        // The spec's reference vector, and Python's standard library agrees with it.
        let body = Array(#"{"test": 2432232314}"#.utf8)
        let expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        #expect(try PythonWebhookSignature.signature(secret: Self.secretText, id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
                                                     timestamp: 1614265330, body: body) == expected)
        #expect(try signer(Self.secretText).signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1614265330,
                                                      body: body) == expected)
    }

    /// One delivery to sign; printed by its name, not its (possibly long) body.
    struct Sample: CustomTestStringConvertible, Sendable {
        var name: String
        var id: String
        var timestamp: Int64
        var body: [UInt8]
        var testDescription: String { name }
    }

    @Test("ours equals Python's for ids, timestamps and bodies of every kind", arguments: [
        Sample(name: "an event", id: "evt_01J9Z3", timestamp: 1_700_000_000,
               body: Array(#"{"type":"video.archived","data":{}}"#.utf8)),
        Sample(name: "an empty body", id: "evt_empty_body", timestamp: 0, body: []),
        Sample(name: "non-ASCII id and body", id: "évènement-ü", timestamp: 4_102_444_800,
               body: Array(#"{"title":"café ☕ 日本語"}"#.utf8)),
        Sample(name: "bytes that are not UTF-8", id: "raw-bytes", timestamp: 1, body: [0x00, 0xff, 0xfe, 0x80, 0x0a, 0x0d, 0x2e]),
        Sample(name: "a negative timestamp", id: "negative", timestamp: -1, body: Array("x".utf8)),
        Sample(name: "a 200 kB body and the largest timestamp", id: "large", timestamp: .max,
               body: (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }),
    ])
    func matchesPython(_ sample: Sample) throws {
        for text in [Self.secretText, Self.otherSecretText] {
            let ours = try signer(text).signature(id: sample.id, timestamp: sample.timestamp, body: sample.body)
            #expect(ours.hasPrefix("v1,"))
            #expect(ours == (try PythonWebhookSignature.signature(secret: text, id: sample.id, timestamp: sample.timestamp,
                                                                  body: sample.body)))
        }
    }

    @Test("two secrets while one is rotated give two signatures, in their order, each verifiable alone")
    func rotation() throws {
        let body = Array(#"{"type":"task.failed"}"#.utf8)
        let header = try signer(Self.secretText, Self.otherSecretText).signature(id: "evt_1", timestamp: 1_750_000_000,
                                                                                body: body)
        let parts = header.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        #expect(parts.count == 2)
        #expect(parts[0] == (try signer(Self.secretText).signature(id: "evt_1", timestamp: 1_750_000_000, body: body)))
        #expect(parts[1] == (try signer(Self.otherSecretText).signature(id: "evt_1", timestamp: 1_750_000_000, body: body)))
        for text in [Self.secretText, Self.otherSecretText] {
            #expect(try PythonWebhookSignature.verifies(secret: text, id: "evt_1", timestamp: 1_750_000_000, body: body,
                                                        header: header))
        }
        // And a receiver's check can fail: another body, or a secret that is not set.
        #expect(try !PythonWebhookSignature.verifies(secret: Self.secretText, id: "evt_1", timestamp: 1_750_000_000,
                                                     body: body + [0x20], header: header))
        #expect(try !PythonWebhookSignature.verifies(secret: "whsec_" + String(repeating: "A", count: 32), id: "evt_1",
                                                     timestamp: 1_750_000_000, body: body, header: header))
    }

    @Test("the headers: id, unix seconds in decimal, the signature, and the JSON content type")
    func headers() throws {
        let signer = try signer(Self.secretText)
        let body = Array("{}".utf8)
        let headers = signer.headers(id: "evt_7", timestamp: 1_614_265_330, body: body)
        #expect(headers.map(\.0) == ["webhook-id", "webhook-timestamp", "webhook-signature", "Content-Type"])
        #expect(headers.map(\.1) == ["evt_7", "1614265330", signer.signature(id: "evt_7", timestamp: 1_614_265_330, body: body),
                                     "application/json"])
    }
}
