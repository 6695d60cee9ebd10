import Foundation
import ObjectStore
@testable import Serve
import Settings
import Telemetry
import TestSupport
import Testing

/// The parts of the bucket check that need no S3 server: what each failure tells the
/// operator and decides about the start, which keys the sweep may touch, and how writes
/// the pipeline reports move `/readyz`. (Against a real store: ObjectStoreEndToEndTests.)
@Suite("The bucket check and the sweep's rules")
struct BucketCheckTests {
    static let endpoint = "http://127.0.0.1:9"

    static func error(code: String?, status: Int?, message: String = "m", disposition: S3Error.Disposition,
                      advice: String = "advice") -> S3Error {
        S3Error(operation: "HeadBucket", status: status, code: code, message: message, advice: advice,
                disposition: disposition)
    }

    @Test("a missing bucket, a refused name and another region stop the start; credentials, permissions and outages do not")
    func whatStopsTheStart() {
        for code in ["NoSuchBucket", "InvalidBucketName", "PermanentRedirect", "AuthorizationHeaderMalformed"] {
            #expect(BucketProblem(Self.error(code: code, status: 400, disposition: .needsOperator), endpoint: Self.endpoint)
                .isConfiguration, "\(code)")
        }
        #expect(BucketProblem(Self.error(code: nil, status: 301, disposition: .needsOperator), endpoint: Self.endpoint)
            .isConfiguration)
        for code in ["SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied", "ExpiredToken", "RequestTimeTooSkewed",
                     "SlowDown", "Forbidden"] {
            #expect(!BucketProblem(Self.error(code: code, status: 403, disposition: .needsOperator), endpoint: Self.endpoint)
                .isConfiguration, "\(code)")
        }
        #expect(!BucketProblem(Self.error(code: nil, status: nil, disposition: .transient), endpoint: Self.endpoint)
            .isConfiguration, "no answer at all: the store may come back")
    }

    @Test("failures without an answer get a hint naming the setting: s3.endpoint for no connection, s3.ca_file for a certificate")
    func transportHints() {
        let refused = BucketProblem(Self.error(code: nil, status: nil,
                                               message: "cannot connect to 127.0.0.1:9: 127.0.0.1: Connection refused",
                                               disposition: .transient), endpoint: Self.endpoint)
        #expect(refused.description.contains("s3.endpoint") && refused.description.contains(Self.endpoint), "\(refused)")
        let untrusted = BucketProblem(Self.error(code: nil, status: nil,
                                                 message: "TLS handshake with s3.test failed: certificate not trusted: self-signed certificate",
                                                 disposition: .transient), endpoint: Self.endpoint)
        #expect(untrusted.description.contains("s3.ca_file"), "\(untrusted)")
        // An answer from S3 is said as the client says it: its advice names the setting.
        let answered = BucketProblem(Self.error(code: "SignatureDoesNotMatch", status: 403, disposition: .needsOperator,
                                                advice: "check s3.secret_access_key"), endpoint: Self.endpoint)
        #expect(answered.description.contains("SignatureDoesNotMatch") && answered.description.contains("s3.secret_access_key"))
    }

    @Test("the sweep touches only keys of the archive's shape under the prefix")
    func archiveKeys() {
        let yes = ["videos/2026/12/07/task-unified-1765000000-abcd1234.mp4", "videos/2026/01/31/t_1.webm",
                   "videos/2026/12/07/x.mov"]
        let no = ["videos/2026/12/07/task.json.tmp/x", "other/2026/12/07/t.mp4", "videos/exports/report.bin",
                  "videos/26/12/07/t.mp4", "videos/2026/12/07/t", "videos/2026/12/07/bad id.mp4",
                  "videos/2026/12/07/.mp4", "videos/extra/2026/12/07/t.mp4",
                  "videos/2026/12/07/" + String(repeating: "a", count: 129) + ".mp4"]
        for key in yes { #expect(StaleUploadSweep.isArchiveKey(key, prefix: "videos/"), "\(key)") }
        for key in no { #expect(!StaleUploadSweep.isArchiveKey(key, prefix: "videos/"), "\(key)") }
        #expect(StaleUploadSweep.isArchiveKey("2026/12/07/t.mp4", prefix: ""))
        #expect(!StaleUploadSweep.isArchiveKey("videos/2026/12/07/t.mp4", prefix: ""), "an empty prefix is not any prefix")
    }

    @Test("Initiated reads with and without a fraction; anything else is no time")
    func initiatedTimes() {
        #expect(StaleUploadSweep.parse("2026-12-07T01:02:03.000Z") == Date(timeIntervalSince1970: 1_796_605_323))
        #expect(StaleUploadSweep.parse("2026-12-07T01:02:03Z") == Date(timeIntervalSince1970: 1_796_605_323))
        #expect(StaleUploadSweep.parse("") == nil && StaleUploadSweep.parse("yesterday") == nil)
    }

    private static func monitor(port: UInt16) throws -> (BucketMonitor, DaemonMetrics) {
        let settings = S3Settings(bucket: "videos", endpoint: "http://127.0.0.1:\(port)", pathStyle: true,
                                  credentials: S3ClientFactoryTests.credentials)
        let client = try S3ClientFactory(settings: settings).makeClient(credentials: settings.credentials,
                                                                       responseTimeout: .seconds(5))
        let metrics = DaemonMetrics()
        return (BucketMonitor(probe: S3ClientHolder(client), prefix: "", logger: LogCapture().logger, metrics: metrics),
                metrics)
    }

    @Test("a check against a port nobody listens on fails /readyz with the reason and sets the gauge to 0")
    func checkWithoutStore() throws {
        let (monitor, metrics) = try Self.monitor(port: try LoopbackPort.free())
        #expect(monitor.readinessProblem == nil, "not checked yet")
        let problem = try #require(monitor.check())
        #expect(problem.error.status == nil && !problem.isConfiguration)
        let readiness = try #require(monitor.readinessProblem)
        #expect(readiness.contains("s3.endpoint"), "\(readiness)")
        #expect(String(decoding: metrics.render(), as: UTF8.self).contains("videohookd_bucket_reachable 0"))
    }

    @Test("writes the pipeline reports: a refusal fails /readyz until a write works or the credentials change; a request that cannot succeed says nothing of the bucket")
    func reportedWrites() throws {
        let (monitor, _) = try Self.monitor(port: try LoopbackPort.free())
        monitor.writeFailed(Self.error(code: "InvalidPart", status: 400, disposition: .failed))
        #expect(monitor.readinessProblem == nil)
        monitor.writeFailed(Self.error(code: "AccessDenied", status: 403, disposition: .needsOperator,
                                       advice: "grant s3:PutObject"))
        let refused = try #require(monitor.readinessProblem)
        #expect(refused.contains("refused") && refused.contains("AccessDenied"), "\(refused)")
        monitor.writeSucceeded()
        #expect(monitor.readinessProblem == nil)
        monitor.writeFailed(Self.error(code: "AccessDenied", status: 403, disposition: .needsOperator))
        monitor.credentialsReplaced()
        #expect(monitor.readinessProblem == nil, "the refusal was the old key's")
    }
}
