import Foundation
import Testing
@testable import Ledger
import TestSupport

/// A store's refusal is kept without what could carry a credential.
@Suite("Refusal reasons without credentials")
struct CredentialTextTests {
    static let token = "FwoGZXIvYXdzEJr//////////wEaDOkSeSSiOnToKeN+=="

    @Test("SignatureDoesNotMatch's echoed request loses its token and signature, keeps its code and message")
    func signatureMismatchBody() {
        let body = """
            SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided. \
            <StringToSign>AWS4-HMAC-SHA256\n20261207T010000Z\nabc</StringToSign>\
            <SignatureProvided>f00dfeed</SignatureProvided>\
            <CanonicalRequest>PUT\n/videos/t.mp4\npartNumber=1\nx-amz-security-token:\(Self.token)\n</CanonicalRequest>
            """
        let text = CredentialText.redacted(body)
        #expect(!text.contains(Self.token) && !text.contains("f00dfeed") && !text.contains("20261207T010000Z"))
        #expect(text.hasPrefix("SignatureDoesNotMatch: The request signature we calculated does not match"))
        #expect(text.contains("<CanonicalRequest>[redacted]</CanonicalRequest>"))
        #expect(text.contains("<SignatureProvided>[redacted]</SignatureProvided>"))
    }

    @Test("presigned query values and authorization headers are replaced; other text is left alone")
    func queryAndHeaders() {
        let url = "GET https://s3.test/videos/t.mp4?X-Amz-Credential=AKIA%2F20261207&X-Amz-Signature=abc123&X-Amz-Security-Token=\(Self.token)&partNumber=2"
        let text = CredentialText.redacted(url)
        #expect(text == "GET https://s3.test/videos/t.mp4?X-Amz-Credential=[redacted]&X-Amz-Signature=[redacted]&X-Amz-Security-Token=[redacted]&partNumber=2")
        #expect(CredentialText.redacted("Authorization: AWS4-HMAC-SHA256 Credential=AKIA/x, Signature=ff\nnext line")
                == "Authorization: [redacted]\nnext line")
        #expect(CredentialText.redacted("x-amz-security-token:\(Self.token)") == "x-amz-security-token:[redacted]")
        let plain = "InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in our records. (HTTP 403)"
        #expect(CredentialText.redacted(plain) == plain)
    }

    @Test("a refusal recorded for an upload is kept redacted, and show's reading of it has no token")
    func recordedRedacted() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        _ = try ledger.record(try TaskBody.event(id: "t1", status: .completed))
        _ = try ledger.beginObjectUpload(taskID: "t1", bucket: "videos", key: "t1.mp4", uploadID: "u", partSize: 5_242_880)
        try ledger.scheduleObjectUploadRetry(taskID: "t1", reason: "SignatureDoesNotMatch <CanonicalRequest>x-amz-security-token:\(Self.token)</CanonicalRequest>",
                                             nextAttemptAt: Date())
        let reason = try #require(try ledger.task(id: .init("t1")!)?.objectUpload?.lastError)
        #expect(reason == "SignatureDoesNotMatch <CanonicalRequest>[redacted]</CanonicalRequest>")
    }
}
