import Notifier
import Testing

@Suite("Webhook secrets")
struct WebhookSecretTests {
    @Test("whsec_ and standard base64 of 24 to 64 bytes is a secret; a newline after it is dropped")
    func accepted() throws {
        let spec = try WebhookSecret(parsing: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        #expect(spec.key.count == 24)
        #expect(spec.key.prefix(3) == [0x31, 0xf2, 0x90])
        let padded = try WebhookSecret(parsing: "whsec_q7wBgHDbp0o4Cyv5Fz3XhKhRZ3Jm1W1xY0S+2Oe0/wE=\n")
        #expect(padded.key.count == 32)
        let longest = try WebhookSecret(parsing: "whsec_" + String(repeating: "AAAA", count: 21) + "AA==")
        #expect(longest.key.count == 64)
        #expect(spec != padded)
        #expect(spec == (try WebhookSecret(parsing: " whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw ")))
    }

    @Test("printing a secret shows its size, never its key")
    func description() throws {
        let secret = try WebhookSecret(parsing: "whsec_q7wBgHDbp0o4Cyv5Fz3XhKhRZ3Jm1W1xY0S+2Oe0/wE=")
        #expect(secret.description == "whsec_…(32-byte key)")
        #expect("\(secret)" == "whsec_…(32-byte key)")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("q7wB") && !dumped.contains("171"), "dump shows no key bytes: \(dumped)")
        #expect(String(reflecting: secret) == "whsec_…(32-byte key)")
    }

    @Test("a refused secret says what to do and never repeats the secret", arguments: [
        ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "starts with whsec_"),
        ("WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "starts with whsec_"),
        ("whsec-MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "starts with whsec_"),
        ("", "starts with whsec_"),
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa$w", "not standard base64"),
        ("whsec_MfKQ9r8GKYqrTwjU PD8ILPZIo2LaLaSw", "not standard base64"),
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa_w", "not standard base64"),
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", "not standard base64"),
        ("whsec_", "0 bytes"),
        ("whsec_c2hvcnQta2V5LW9ubHktMjM=", "17 bytes"),
        ("whsec_" + String(repeating: "QUJD", count: 7) + "QUI=", "23 bytes"),
        ("whsec_" + String(repeating: "QUJD", count: 22) + "QQ==", "67 bytes"),
    ])
    func refused(_ text: String, _ reason: String) {
        #expect {
            _ = try WebhookSecret(parsing: text)
        } throws: { error in
            guard let error = error as? WebhookSecretError else { return false }
            let body = text.hasPrefix("whsec_") ? String(text.dropFirst(6)) : text
            let leaks = body.count >= 4 && (error.message.contains(body) || error.message.contains(body.prefix(8)))
            return error.message.contains(reason) && !leaks
                && error.message.contains("openssl rand -base64 32 | sed 's/^/whsec_/'")
                && error.description == error.message
        }
    }
}
