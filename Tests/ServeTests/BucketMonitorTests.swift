import Foundation
import ObjectStore
@testable import Serve
import Settings
import Synchronization
import Telemetry
import TestSupport
import Testing

/// The monitor's own thread against moto (signature checks on): a bucket refused at
/// first passes `/readyz` again by itself, at the next periodic check, once the client
/// in force signs right; no wake, no SIGHUP.
@Suite("The bucket monitor against moto")
struct BucketMonitorTests {
    static let bucket = "monitor-bucket"
    private static let started: Result<MotoS3Server, any Error> = Result { try MotoS3Server(buckets: [bucket]) }

    private static func client(_ moto: MotoS3Server, secret: String) throws -> S3Client {
        let settings = S3Settings(bucket: bucket, endpoint: moto.endpoint, region: moto.region, pathStyle: true,
                                  credentials: S3Settings.Credentials(accessKeyID: moto.accessKeyID,
                                                                      secretAccessKey: Secret(secret)))
        return try S3ClientFactory(settings: settings).makeClient(credentials: settings.credentials,
                                                                 responseTimeout: .seconds(10))
    }

    @Test("refused with a wrong secret, then the periodic check passes once the client signs right, and the sweep deferred to it runs")
    func periodicCheckRecovers() throws {
        let moto = try Self.started.get()
        let wrong = String(moto.secretAccessKey.reversed())
        let holder = S3ClientHolder(try Self.client(moto, secret: wrong))
        let metrics = DaemonMetrics()
        let log = LogCapture()
        let monitor = BucketMonitor(probe: holder, prefix: "videos/", interval: .milliseconds(200), logger: log.logger,
                                    metrics: metrics)
        let problem = try #require(monitor.check())
        #expect(problem.error.code == "SignatureDoesNotMatch", "\(problem)")
        #expect(!problem.isConfiguration)
        let swept = Mutex(0)
        monitor.deferSweep { swept.withLock { $0 += 1 } }

        try monitor.start()
        defer {
            monitor.beginStopping()
            _ = monitor.waitUntilStopped(timeout: .seconds(15))
        }
        // Still wrong: the periodic checks say it once, and /readyz keeps failing.
        Thread.sleep(forTimeInterval: 0.7)
        #expect(monitor.readinessProblem?.contains("SignatureDoesNotMatch") == true)
        #expect(log.events("s3.bucket_unreachable").count == 1, "\(log.text)")
        #expect(swept.withLock { $0 } == 0)

        holder.replace(with: try Self.client(moto, secret: moto.secretAccessKey))
        let until = Date(timeIntervalSinceNow: 10)
        while monitor.readinessProblem != nil, Date() < until { Thread.sleep(forTimeInterval: 0.05) }
        #expect(monitor.readinessProblem == nil, "\(log.text)")
        #expect(log.events("s3.bucket_reachable").count == 1, "\(log.text)")
        #expect(String(decoding: metrics.render(), as: UTF8.self).contains("videohookd_bucket_reachable 1"))
        Thread.sleep(forTimeInterval: 0.5)
        #expect(swept.withLock { $0 } == 1, "the deferred sweep runs once, after the first check that passes")
        #expect(!log.text.contains(wrong) && !log.text.contains(moto.secretAccessKey))
    }
}
