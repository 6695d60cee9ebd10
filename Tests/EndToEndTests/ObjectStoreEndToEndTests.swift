import Foundation
import Glibc
import Ledger
import TestSupport
import Testing
import VideoAPI

/// `videohookd serve` with `s3.bucket` set, against moto's S3 server with its Signature V4
/// checks on (``MotoS3Server``): the bucket checked at start, `/readyz` while it cannot
/// be used, new credentials by SIGHUP, the stale-upload sweep. One moto for the suite;
/// each test has its own bucket and daemon.
@Suite("Object store, end to end", .serialized)
struct ObjectStoreEndToEndTests {
    static let sweepBucket = "e2e-sweep"
    static let reloadBucket = "e2e-reload"
    static let archiveBucket = "e2e-archive"
    static let prefix = "videos/"

    private static let started: Result<MotoS3Server, any Error> = Result {
        try MotoS3Server(buckets: [sweepBucket, reloadBucket, archiveBucket])
    }
    private static func moto() throws -> MotoS3Server { try started.get() }

    // MARK: Helpers

    /// A daemon whose settings name `bucket` at moto, with the secret in a file of the
    /// daemon's folder (as a systemd credential would be) holding `secret`.
    private static func daemon(bucket: String, secret: String, extra: String = "") throws -> DaemonProcess {
        let moto = try moto()
        let daemon = try DaemonProcess()
        try (secret + "\n").write(toFile: secretFile(of: daemon), atomically: true, encoding: .utf8)
        try daemon.writeConfig("""
            disk_reserve_bytes: 0
            \(extra)
            s3:
              bucket: \(bucket)
              endpoint: \(moto.endpoint)
              region: \(moto.region)
              path_style: true
              prefix: \(prefix)
              access_key_id: \(moto.accessKeyID)
              secret_access_key_file: \(secretFile(of: daemon))
              part_size: 5MiB
            """)
        return daemon
    }

    /// The secret file the settings name, to fix while the daemon runs.
    private static func secretFile(of daemon: DaemonProcess) -> String {
        daemon.directory + "/s3-secret"
    }

    /// `name=value` in a logfmt line, the value bare or quoted.
    private static func line(_ line: String, has name: String, _ value: String) -> Bool {
        line.contains(" \(name)=\(value)") || line.contains(" \(name)=\"\(value)\"")
    }

    /// `videohookd_bucket_reachable` as `/metrics` gives it.
    private static func bucketReachable(_ daemon: DaemonProcess) throws -> Double? {
        try PrometheusText(try TestClient.connectPlain(port: daemon.adminPort).get("/metrics").text)
            .value("videohookd_bucket_reachable")
    }

    private static func readyz(_ daemon: DaemonProcess) throws -> TestResponse {
        try TestClient.connectPlain(port: daemon.adminPort).get("/readyz")
    }

    private static func wait(timeout: Double = 20, _ condition: () throws -> Bool) -> Bool {
        Polling.until(timeout: timeout, every: 0.1) { (try? condition()) == true }
    }

    private static func logText(_ daemon: DaemonProcess) -> String {
        (try? String(contentsOfFile: daemon.logFile, encoding: .utf8)) ?? ""
    }

    /// Every place the daemon writes text an operator reads: none may hold a secret.
    private static func expectNoSecret(_ secrets: [String], in texts: [String: String],
                                       sourceLocation: SourceLocation = #_sourceLocation) {
        for secret in secrets {
            for (name, text) in texts {
                #expect(!text.contains(secret), "a secret is in the \(name)", sourceLocation: sourceLocation)
            }
        }
    }

    /// The multipart uploads moto holds in `bucket`: key → upload ids.
    private static func uploads(in bucket: String) throws -> [String: [String]] {
        let printed = try moto().boto3("""
            answer = s3.list_multipart_uploads(Bucket=argv[1])
            for upload in answer.get("Uploads", []):
                print(upload["Key"], upload["UploadId"])
            """, arguments: [bucket])
        var found: [String: [String]] = [:]
        for line in printed.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard words.count == 2 else { continue }
            found[String(words[0]), default: []].append(String(words[1]))
        }
        return found
    }

    private static func createUpload(in bucket: String, key: String) throws -> String {
        let id = try moto().boto3(#"print(s3.create_multipart_upload(Bucket=argv[1], Key=argv[2])["UploadId"])"#,
                                  arguments: [bucket, key])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(!id.isEmpty)
        return id
    }

    // MARK: Tests

    @Test("a bucket that does not exist: serve refuses to start, naming NoSuchBucket and s3.bucket, on stderr and in the log")
    func missingBucketRefusesToStart() throws {
        let moto = try Self.moto()
        let daemon = try Self.daemon(bucket: "e2e-nobody-made-this", secret: moto.secretAccessKey)
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.launch()
        let status = daemon.waitForExit(timeout: 30)
        #expect(status == 1, "exit \(String(describing: status)); stdout: \(daemon.standardOutput)")
        let stderr = daemon.standardError
        #expect(stderr.contains("NoSuchBucket"), "\(stderr)")
        #expect(stderr.contains("e2e-nobody-made-this") && stderr.contains("s3.bucket"), "\(stderr)")
        #expect(!daemon.standardOutput.contains("listening on"), "nothing is served")
        let logged = daemon.logLines().filter { $0.contains("event=s3.bucket_unreachable") }
        #expect(logged.count == 1 && logged.first?.contains("NoSuchBucket") == true, "\(daemon.logLines().suffix(5))")
        Self.expectNoSecret([moto.secretAccessKey], in: ["log": Self.logText(daemon), "stderr": stderr])
    }

    @Test("a wrong secret: serve starts, /readyz fails with SignatureDoesNotMatch, a video waits; the fixed secret file and SIGHUP make it pass and archive the video, no restart")
    func wrongSecretThenSIGHUP() throws {
        let moto = try Self.moto()
        // As long as the real one, and a valid secret's shape: only the signature tells.
        let wrong = String(moto.secretAccessKey.reversed())
        try #require(wrong != moto.secretAccessKey)
        let certificates = try TestCertificates.shared()
        let nginx = try NginxServer()
        defer { nginx.stop() }
        let original = try nginx.makeFile("e2e-waits.mp4", size: 1 << 20)
        let daemon = try Self.daemon(bucket: Self.reloadBucket, secret: wrong, extra: """
            download:
              ca_file: \(certificates.caFile)
              allow_internal: true
            """)
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let pid = daemon.pid
        // A video to archive while the store refuses the key: it must wait, not fail.
        let id = "task-unified-1765000000-waits001"
        let body = #"{"id":"\#(id)","object":"video.generation.task","model":"seedance-1.5-pro","created":1765000000,"status":"completed","progress":100,"results":["\#(nginx.url("e2e-waits.mp4"))"],"type":"video"}"#
        try #require(try daemon.connect().post(daemon.callbackPath, body: body).status == 200)
        #expect(Self.wait(timeout: 20) {
            daemon.logLines().contains { $0.contains("event=upload.retry") && $0.contains("task_id=\(id)") }
        }, "the job waits on the refused key: \(daemon.logLines().suffix(8))")
        let waiting = try daemon.command(["show", id])
        #expect(waiting.output.contains("SignatureDoesNotMatch"), "show names the refusal: \(waiting.output)")
        #expect(!daemon.logLines().contains { $0.contains("event=download.failed") && $0.contains("task_id=\(id)") })

        // Written before the ports were announced, on another pipe: give its reader a moment.
        #expect(Self.wait(timeout: 5) { daemon.standardError.contains("SignatureDoesNotMatch") }, "\(daemon.standardError)")
        #expect(daemon.standardError.contains("s3.secret_access_key"), "the message names the setting: \(daemon.standardError)")
        #expect(daemon.standardError.contains("starting anyway"), "\(daemon.standardError)")
        let failing = try Self.readyz(daemon)
        #expect(failing.status == 503, "\(failing.text)")
        #expect(failing.text.contains(#""bucket":"#) && failing.text.contains("SignatureDoesNotMatch"), "\(failing.text)")
        #expect(try Self.bucketReachable(daemon) == 0)

        try (moto.secretAccessKey + "\n").write(toFile: Self.secretFile(of: daemon), atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(Self.wait { try Self.readyz(daemon).status == 200 },
                "\((try? Self.readyz(daemon).text) ?? "no answer"); log: \(daemon.logLines().suffix(8))")
        #expect(daemon.pid == pid && daemon.child?.exitStatusNow == nil, "the same process, still running")
        let lines = daemon.logLines()
        #expect(lines.contains { $0.contains("event=s3.credentials_replaced") }, "\(lines.suffix(8))")
        #expect(lines.contains { $0.contains("event=s3.bucket_reachable") }, "\(lines.suffix(8))")
        #expect(try Self.bucketReachable(daemon) == 1)
        // The waiting job goes again at once (not at the end of its backoff) and finishes.
        let key = Self.prefix + "2025/12/06/\(id).mp4"
        #expect(Self.wait(timeout: 30) {
            daemon.logLines().contains { $0.contains("event=upload.done") && $0.contains("task_id=\(id)") }
        }, "archived after the fix: \(daemon.logLines().suffix(8))")
        let stored = try moto.boto3("print(s3.head_object(Bucket=argv[1], Key=argv[2])['Metadata'].get('sha256'))",
                                    arguments: [Self.reloadBucket, key])
        #expect(stored.trimmingCharacters(in: .whitespacesAndNewlines) == original)

        Self.expectNoSecret([wrong, moto.secretAccessKey], in: [
            "log": Self.logText(daemon), "stderr": daemon.standardError, "stdout": daemon.standardOutput,
            "failing /readyz": failing.text,
        ])
    }

    @Test("a store that is not there: serve starts, and /readyz fails naming s3.endpoint")
    func unreachableStoreStartsNotReady() throws {
        let moto = try Self.moto()
        let daemon = try Self.daemon(bucket: Self.reloadBucket, secret: moto.secretAccessKey)
        defer { daemon.stop(); daemon.removeFiles() }
        // Nobody listens on a port just handed out and closed: the connection is refused.
        let config = try String(contentsOfFile: daemon.configFile, encoding: .utf8)
            .replacingOccurrences(of: moto.endpoint, with: "http://127.0.0.1:\(try LoopbackPort.free())")
        try config.write(toFile: daemon.configFile, atomically: true, encoding: .utf8)
        try daemon.start()
        #expect(Self.wait(timeout: 5) { daemon.standardError.contains("starting anyway") }, "\(daemon.standardError)")
        let readiness = try Self.readyz(daemon)
        #expect(readiness.status == 503, "\(readiness.text)")
        #expect(readiness.text.contains(#""bucket":"#) && readiness.text.contains("s3.endpoint"), "\(readiness.text)")
        #expect(daemon.logLines().contains { $0.contains("event=s3.bucket_unreachable") })
        // The sweep waits for the bucket; the start did not.
        #expect(!daemon.logLines().contains { $0.contains("event=upload.sweep_done") })
    }

    @Test("at start, uploads under the prefix the ledger does not know are aborted and logged; the ledger's own and other shapes stay")
    func staleUploadsAbortedAtStart() throws {
        let moto = try Self.moto()
        let stale = Self.prefix + "2026/12/06/task-unified-1765000000-stale001.mp4"
        let known = Self.prefix + "2026/12/06/task-unified-1765000000-known001.mp4"
        let foreign = Self.prefix + "exports/report.bin"       // not the archive's shape
        let outside = "2026/12/06/task-unified-1765000000-outs0001.mp4" // not under the prefix
        let staleID = try Self.createUpload(in: Self.sweepBucket, key: stale)
        let knownID = try Self.createUpload(in: Self.sweepBucket, key: known)
        let foreignID = try Self.createUpload(in: Self.sweepBucket, key: foreign)
        let outsideID = try Self.createUpload(in: Self.sweepBucket, key: outside)
        defer {
            for (key, id) in [(known, knownID), (foreign, foreignID), (outside, outsideID)] {
                _ = try? moto.boto3("s3.abort_multipart_upload(Bucket=argv[1], Key=argv[2], UploadId=argv[3])",
                                    arguments: [Self.sweepBucket, key, id])
            }
        }

        let daemon = try Self.daemon(bucket: Self.sweepBucket, secret: moto.secretAccessKey)
        defer { daemon.stop(); daemon.removeFiles() }
        // The ledger knows one upload, as a run that recorded its upload id left it.
        try FileManager.default.createDirectory(atPath: daemon.stateDirectory, withIntermediateDirectories: true)
        do {
            let ledger = try Ledger.open(path: daemon.ledgerFile)
            let body = Data(#"{"id":"task-unified-1765000000-known001","object":"video.generation.task","model":"seedance-1.5-pro","created":1765000000,"status":"processing","progress":50,"type":"video"}"#.utf8)
            guard case .task(let task) = CallbackBody.classify(body) else {
                Issue.record("the test's task body did not decode")
                return
            }
            _ = try ledger.record(.event(TaskEvent(task: task, peer: "203.0.113.7:40000")))
            _ = try ledger.beginObjectUpload(taskID: "task-unified-1765000000-known001", bucket: Self.sweepBucket,
                                             key: known, uploadID: knownID, partSize: 16 << 20)
            try ledger.close()
        }

        try daemon.start()
        let left = try Self.uploads(in: Self.sweepBucket)
        #expect(left[stale] == nil, "the stale upload is aborted: \(left)")
        #expect(left[known] == [knownID], "the ledger's upload stays: \(left)")
        #expect(left[foreign] == [foreignID], "another program's upload stays: \(left)")
        #expect(left[outside] == [outsideID], "an upload outside the prefix stays: \(left)")

        let aborted = daemon.logLines().filter { $0.contains("event=upload.aborted_stale") }
        #expect(aborted.count == 1, "\(daemon.logLines().suffix(8))")
        #expect(aborted.first.map { Self.line($0, has: "key", stale) && Self.line($0, has: "upload_id", staleID) } == true,
                "\(aborted)")
        let ready = try Self.readyz(daemon)
        #expect(ready.status == 200, "\(ready.text)")
        Self.expectNoSecret([moto.secretAccessKey], in: ["log": Self.logText(daemon), "stderr": daemon.standardError])
    }

    @Test("a completed callback through the real binary: the video in the bucket in 5 MiB parts, its sha256 and task id on the object, the sidecar beside it, video.archived naming it, nothing left on disk")
    func callbackToObject() throws {
        let moto = try Self.moto()
        let certificates = try TestCertificates.shared()
        let nginx = try NginxServer()
        defer { nginx.stop() }
        let original = try nginx.makeFile("e2e-object.mp4", size: (12 << 20) + 12_345)
        let daemon = try Self.daemon(bucket: Self.archiveBucket, secret: moto.secretAccessKey, extra: """
            download:
              ca_file: \(certificates.caFile)
              allow_internal: true
            """)
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let id = "task-unified-1765000000-objct001"
        let body = #"{"id":"\#(id)","object":"video.generation.task","model":"seedance-1.5-pro","created":1765000000,"status":"completed","progress":100,"results":["\#(nginx.url("e2e-object.mp4"))"],"type":"video"}"#
        let answer = try daemon.connect().post(daemon.callbackPath, body: body)
        try #require(answer.status == 200, "\(answer.text)")

        let key = Self.prefix + "2025/12/06/\(id).mp4"
        let archived = Self.wait(timeout: 60) {
            let run = try daemon.command(["events", "--json", "--task", id])
            return run.output.contains("\"video.archived\"")
        }
        try #require(archived, "no video.archived; log: \(daemon.logLines().suffix(12))")
        // The bucket's word, read with boto3: size, metadata, the bytes' digest, the parts.
        let printed = try moto.boto3("""
            from hashlib import sha256
            head = s3.head_object(Bucket=argv[1], Key=argv[2])
            data = s3.get_object(Bucket=argv[1], Key=argv[2])["Body"].read()
            print(head["ContentLength"], head["Metadata"].get("sha256"), head["Metadata"].get("task-id"), sha256(data).hexdigest())
            sidecar = s3.get_object(Bucket=argv[1], Key=argv[3])["Body"].read()
            print(len(s3.list_multipart_uploads(Bucket=argv[1]).get("Uploads", [])), b'"task_id"' in sidecar)
            """, arguments: [Self.archiveBucket, key, Self.prefix + "2025/12/06/\(id).json"])
        let lines = printed.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        try #require(lines.count == 2, "\(printed)")
        #expect(lines[0] == ["\((12 << 20) + 12_345)", original, id, original], "\(printed)")
        #expect(lines[1] == ["0", "True"], "no upload left open, the sidecar names the task: \(printed)")
        // Three parts of 5 MiB at most went up, each logged.
        let parts = daemon.logLines().filter { $0.contains("event=upload.part ") && $0.contains("task_id=\(id)") }
        #expect(parts.count == 3, "\(parts)")
        // video.archived names the object, not a path.
        let run = try daemon.command(["events", "--json", "--task", id])
        let event = try #require(run.output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.first { $0["type"] as? String == "video.archived" })
        let eventID = try #require(event["id"] as? String)
        let detail = try #require(try Ledger.openForReading(path: daemon.ledgerFile).notificationEvent(id: eventID))
        let sent = try #require(try JSONSerialization.jsonObject(with: Data(detail.body)) as? [String: Any])
        let data = try #require(sent["data"] as? [String: Any])
        let object = try #require(data["archive"] as? [String: Any], "\(data)")
        #expect(object["url"] as? String == "s3://\(Self.archiveBucket)/\(key)")
        #expect(object["bucket"] as? String == Self.archiveBucket && object["key"] as? String == key)
        #expect(data["sha256"] as? String == original)
        // Not kept locally (s3.keep_local is off): no video under the archive folder.
        let leftovers = FileManager.default.enumerator(atPath: daemon.stateDirectory + "/archive")?
            .compactMap { $0 as? String }.filter { $0.hasSuffix(".mp4") || $0.hasSuffix(".part") } ?? []
        #expect(leftovers.isEmpty, "\(leftovers)")
        Self.expectNoSecret([moto.secretAccessKey], in: ["log": Self.logText(daemon), "stderr": daemon.standardError])
    }

    @Test("SIGKILL in the middle of a multipart upload: after the restart the same upload resumes from its recorded parts; one object, its SHA-256 right, no upload left open")
    func killedMidUploadResumes() throws {
        let moto = try Self.moto()
        let certificates = try TestCertificates.shared()
        let nginx = try NginxServer()
        defer { nginx.stop() }
        let size = (96 << 20) + 777   // 20 parts of 5 MiB: time to be killed between two
        let original = try nginx.makeFile("e2e-killed.mp4", size: size)
        let first = try Self.daemon(bucket: Self.archiveBucket, secret: moto.secretAccessKey, extra: """
            download:
              ca_file: \(certificates.caFile)
              allow_internal: true
            """)
        defer { first.removeFiles() }
        try first.start()
        let id = "task-unified-1765000000-killd001"
        let body = #"{"id":"\#(id)","object":"video.generation.task","model":"seedance-1.5-pro","created":1765000000,"status":"completed","progress":100,"results":["\#(nginx.url("e2e-killed.mp4"))"],"type":"video"}"#
        let answer = try first.connect().post(first.callbackPath, body: body)
        try #require(answer.status == 200, "\(answer.text)")
        let partLines = { (daemon: DaemonProcess) in
            daemon.logLines().filter { $0.contains("event=upload.part ") && $0.contains("task_id=\(id)") }
        }
        try #require(Self.wait(timeout: 60) { !partLines(first).isEmpty }, "no part went up: \(first.logLines().suffix(8))")
        #expect(first.stop(signal: SIGKILL) == 128 + SIGKILL)
        let before = partLines(first)
        #expect(!first.logLines().contains { $0.contains("event=upload.completed") },
                "killed before the upload was completed")
        let uploadID = try #require(before.first.flatMap { line in
            line.split(separator: " ").first { $0.hasPrefix("upload_id=") }.map { String($0.dropFirst("upload_id=".count)) }
        })
        #expect(before.count < 20, "killed in the middle: \(before.count) parts were up")

        let second = try DaemonProcess(reuse: first.directory)
        defer { second.stop() }
        try second.start()
        let key = Self.prefix + "2025/12/06/\(id).mp4"
        try #require(Self.wait(timeout: 90) {
            second.logLines().contains { $0.contains("event=download.done") && $0.contains("task_id=\(id)") }
                || second.logLines().contains { $0.contains("event=upload.done") && $0.contains("task_id=\(id)") }
        }, "not archived after the restart: \(second.logLines().suffix(12))")
        let resumed = second.logLines().filter { $0.contains("event=upload.resumed") && $0.contains("task_id=\(id)") }
        #expect(resumed.count == 1 && resumed.first.map { Self.line($0, has: "upload_id", uploadID) } == true,
                "the same upload resumed: \(resumed); \(second.logLines().suffix(12))")
        // Both runs write the same log file: the first run's start is the only one.
        let starts = second.logLines().filter { $0.contains("event=upload.started") && $0.contains("task_id=\(id)") }
        #expect(starts.count == 1, "no second upload was started: \(starts)")
        let printed = try moto.boto3("""
            from hashlib import sha256
            head = s3.head_object(Bucket=argv[1], Key=argv[2])
            data = s3.get_object(Bucket=argv[1], Key=argv[2])["Body"].read()
            open_uploads = [u for u in s3.list_multipart_uploads(Bucket=argv[1]).get("Uploads", []) if u["Key"] == argv[2]]
            print(head["ContentLength"], head["Metadata"].get("sha256"), sha256(data).hexdigest(), len(open_uploads))
            """, arguments: [Self.archiveBucket, key])
        #expect(printed.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
                    == ["\(size)", original, original, "0"], "\(printed)")
    }

    @Test("SIGKILL after uploaded parts were released from the disk: the partial file held about two parts, and the resumed download continues the SHA-256 from the last part's recorded state; one object, its bytes and metadata right")
    func killedAfterReleaseResumesDigest() throws {
        let moto = try Self.moto()
        let certificates = try TestCertificates.shared()
        let nginx = try NginxServer()
        defer { nginx.stop() }
        let partSize: Int64 = 5 << 20
        let size = (64 << 20) + 4321   // 13 parts of 5 MiB and a short one
        let original = try nginx.makeFile("e2e-released.mp4", size: size)
        let first = try Self.daemon(bucket: Self.archiveBucket, secret: moto.secretAccessKey, extra: """
            download:
              ca_file: \(certificates.caFile)
              allow_internal: true
            """)
        defer { first.removeFiles() }
        try first.start()
        let id = "task-unified-1765000000-relsd001"
        let body = #"{"id":"\#(id)","object":"video.generation.task","model":"seedance-1.5-pro","created":1765000000,"status":"completed","progress":100,"results":["\#(nginx.url("e2e-released.mp4"))"],"type":"video"}"#
        try #require(try first.connect().post(first.callbackPath, body: body).status == 200)
        let partLines = { (daemon: DaemonProcess) in
            daemon.logLines().filter { $0.contains("event=upload.part ") && $0.contains("task_id=\(id)") }
        }
        // Three parts at least, so that two are released and the disk check below (which
        // allows one released part not yet punched) still tells a punched file from one that is not.
        try #require(Self.wait(timeout: 60) { partLines(first).count >= 3 }, "parts did not go up: \(first.logLines().suffix(8))")
        #expect(first.stop(signal: SIGKILL) == 128 + SIGKILL)
        #expect(!first.logLines().contains { $0.contains("event=upload.completed") && $0.contains("task_id=\(id)") },
                "killed before the upload was completed")

        // What the kill left: released parts, the file's length kept, about two parts on the disk.
        let job = try #require(try Ledger.openForReading(path: first.ledgerFile).downloadJob(taskID: id))
        let parts = try Ledger.openForReading(path: first.ledgerFile).objectUploadParts(taskID: id)
        try #require(parts.count >= 3 && parts.count < 13, "\(parts.count) parts recorded")
        #expect(job.bytesReleased >= Int64(parts.count - 1) * partSize, "released \(job.bytesReleased)")
        #expect(job.bytesDone <= Int64(parts.count + 2) * partSize + (1 << 20),
                "\(job.bytesDone) bytes downloaded with \(parts.count) parts up: not held back")
        let partial = try #require(job.partialPath)
        var status = stat()
        try #require(stat(partial, &status) == 0)
        #expect(Int64(status.st_size) >= job.bytesDone, "the file keeps its length")
        // The release is recorded before its hole is punched (never the other way round),
        // so the kill may land between the two: one recorded part's bytes may still be there.
        #expect(Int64(status.st_blocks) * 512 <= Int64(status.st_size) - job.bytesReleased + partSize + (1 << 20),
                "\(Int64(status.st_blocks) * 512) bytes on the disk for \(status.st_size), \(job.bytesReleased) released")
        let shown = try first.command(["show", id]).output
        #expect(shown.contains("(first \(job.bytesReleased) bytes uploaded and released)"), "show: \(shown)")
        let uploadID = try #require(partLines(first).first.flatMap { line in
            line.split(separator: " ").first { $0.hasPrefix("upload_id=") }.map { String($0.dropFirst("upload_id=".count)) }
        })

        let second = try DaemonProcess(reuse: first.directory)
        defer { second.stop() }
        try second.start()
        let key = Self.prefix + "2025/12/06/\(id).mp4"
        try #require(Self.wait(timeout: 90) {
            second.logLines().contains { $0.contains("event=upload.done") && $0.contains("task_id=\(id)") }
        }, "not archived after the restart: \(second.logLines().suffix(12))")
        let lines = second.logLines().filter { $0.contains("task_id=\(id)") }
        let resumed = lines.filter { $0.contains("event=upload.resumed") }
        #expect(resumed.count == 1 && resumed.first.map { Self.line($0, has: "upload_id", uploadID) } == true,
                "the same upload resumed: \(resumed)")
        let digest = lines.filter { $0.contains("event=download.digest_resumed") }
        #expect(digest.count == 1 && digest.first.map { Self.line($0, has: "from_bytes", "\(parts.count * (5 << 20))") } == true,
                "the digest went on from the last recorded part: \(digest)")
        #expect(!lines.contains { $0.contains("event=download.restarted") }, "the video was not fetched again")
        let printed = try moto.boto3("""
            from hashlib import sha256
            head = s3.head_object(Bucket=argv[1], Key=argv[2])
            data = s3.get_object(Bucket=argv[1], Key=argv[2])["Body"].read()
            open_uploads = [u for u in s3.list_multipart_uploads(Bucket=argv[1]).get("Uploads", []) if u["Key"] == argv[2]]
            print(head["ContentLength"], head["Metadata"].get("sha256"), sha256(data).hexdigest(), len(open_uploads))
            """, arguments: [Self.archiveBucket, key])
        #expect(printed.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
                    == ["\(size)", original, original, "0"], "\(printed)")
        let done = try #require(try Ledger.openForReading(path: second.ledgerFile).downloadJob(taskID: id))
        #expect(done.state == .done && done.sha256 == original)
    }
}
