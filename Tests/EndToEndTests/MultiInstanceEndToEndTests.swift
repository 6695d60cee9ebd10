import Dispatch
import Foundation
import Glibc
import Synchronization
import TestSupport
import Testing

/// Two real `videohookd serve` processes on one PostgreSQL ledger and one moto bucket, as
/// two hosts behind one address (issue 21): the API's retries of each callback reach both
/// at once, one of them is killed in the middle of a video that the other finishes once
/// the lease has lapsed, and Debian's HAProxy with config/haproxy.cfg stands in front. The leases are shortened for the test
/// (`VIDEOHOOKD_TEST_LEASE_SECONDS`) so that a takeover takes seconds, not half a minute.
@Suite("Two instances on one ledger and one bucket, end to end", .serialized)
struct MultiInstanceEndToEndTests {
    static let stormBucket = "e2e-multi-storm"
    static let takeoverBucket = "e2e-multi-takeover"
    static let prefix = "videos/"
    /// The same token on both: one callback URL, whichever instance the balancer picks.
    static let token = "multi-instance-token-0123456789"
    static var callbackPath: String { "/callbacks/" + token }

    private static let started: Result<MotoS3Server, any Error> = Result {
        try MotoS3Server(buckets: [stormBucket, takeoverBucket])
    }
    private static func moto() throws -> MotoS3Server { try started.get() }

    /// A database of its own in the shared test cluster, as a `ledger.url`.
    private static func database() throws -> (cluster: PostgresCluster, name: String, url: String) {
        let cluster = try PostgresCluster.shared()
        let conninfo = try cluster.createDatabase()
        let name = try #require(conninfo.split(separator: " ").first { $0.hasPrefix("dbname=") }?.dropFirst("dbname=".count))
        return (cluster, String(name), "postgresql:///\(name)?host=\(cluster.socketDirectory)&port=\(cluster.port)&user=postgres")
    }

    /// An instance: its own state folder, the shared ledger and bucket, the same token.
    private static func instance(ledger url: String, bucket: String?, lease: Int? = nil,
                                 extra: String = "") throws -> DaemonProcess {
        let moto = try moto()
        let certificates = try TestCertificates.shared()
        let environment = lease.map { ["VIDEOHOOKD_TEST_LEASE_SECONDS": "\($0)"] } ?? [:]
        let daemon = try DaemonProcess(environment: environment)
        let s3 = bucket.map { bucket in """
            s3:
              bucket: \(bucket)
              endpoint: \(moto.endpoint)
              region: \(moto.region)
              path_style: true
              prefix: \(prefix)
              access_key_id: \(moto.accessKeyID)
              secret_access_key: \(moto.secretAccessKey)
              part_size: 5MiB
            """ } ?? ""
        try daemon.writeConfig("""
            token: \(token)
            disk_reserve_bytes: 0
            ledger:
              url: \(url)
            download:
              ca_file: \(certificates.caFile)
              allow_internal: true
            \(extra)
            \(s3)
            """)
        return daemon
    }

    private static func body(_ id: String, status: String, video: String? = nil) -> String {
        let results = video.map { #","results":["\#($0)"]"# } ?? ""
        let progress = status == "completed" ? 100 : 40
        return #"{"id":"\#(id)","object":"video.generation.task","model":"seedance-1.5-pro","created":1765000000,"status":"\#(status)","progress":\#(progress)\#(results),"type":"video"}"#
    }

    /// Posts as the API does: again after a 503 (or a dropped connection), until a 2xx.
    private static func deliver(_ body: String, to daemon: DaemonProcess) -> Int {
        var last = 0
        for attempt in 0..<20 {
            if let answer = try? daemon.connect().post(callbackPath, body: body) {
                last = answer.status
                if answer.status < 300 { return answer.status }
            }
            Thread.sleep(forTimeInterval: 0.05 * Double(attempt + 1))
        }
        return last
    }

    private static func wait(timeout: Double, _ condition: () throws -> Bool) -> Bool {
        Polling.until(timeout: timeout, every: 0.1) { (try? condition()) == true }
    }

    private static func number(_ cluster: PostgresCluster, _ sql: String, database: String) throws -> Int {
        Int(try cluster.psql(sql, database: database).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// `name=value` of a logfmt line, the value bare.
    private static func value(_ name: String, in line: String) -> String? {
        line.split(separator: " ").first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
    }

    private static func lines(_ daemon: DaemonProcess, _ event: String, task: String) -> [String] {
        daemon.logLines().filter { $0.contains("event=\(event) ") && $0.contains("task_id=\(task)") }
    }

    // MARK: Tests

    @Test("a duplicate storm: every callback sent to both instances at once, from many threads: one job, one object, one video.archived per task")
    func duplicateStorm() throws {
        let (cluster, name, url) = try Self.database()
        let moto = try Self.moto()
        let nginx = try NginxServer()
        defer { nginx.stop() }
        let tasks = (0..<16).map { String(format: "task-unified-1765000000-storm%03d", $0) }
        var digests: [String: String] = [:]
        for id in tasks { digests[id] = try nginx.makeFile("\(id).mp4", size: 200_000 + tasks.firstIndex(of: id)! * 1000) }
        let first = try Self.instance(ledger: url, bucket: Self.stormBucket)
        let second = try Self.instance(ledger: url, bucket: Self.stormBucket)
        defer { first.stop(); second.stop(); first.removeFiles(); second.removeFiles() }
        try first.start()
        try second.start()
        let daemons = [first, second]

        // Each callback (processing, then completed) twice to each instance, all at once.
        var sends: [(String, DaemonProcess)] = []
        for id in tasks {
            for status in ["processing", "completed"] {
                let body = Self.body(id, status: status, video: status == "completed" ? nginx.url("\(id).mp4") : nil)
                for daemon in daemons { sends += [(body, daemon), (body, daemon)] }
            }
        }
        sends.shuffle()
        let work = sends
        let next = Atomic<Int>(0)
        let refused = Mutex<[String]>([])
        let group = DispatchGroup()
        for _ in 0..<8 {
            group.enter()
            Thread {
                while true {
                    let index = next.add(1, ordering: .relaxed).oldValue
                    guard index < work.count else { break }
                    let status = Self.deliver(work[index].0, to: work[index].1)
                    if status != 200 { refused.withLock { $0.append("\(status)") } }
                }
                group.leave()
            }.start()
        }
        #expect(group.wait(timeout: .now() + 120) == .success)
        #expect(refused.withLock { $0 }.isEmpty, "every callback answered 200 in the end: \(refused.withLock { $0 })")

        let count = { (sql: String) in try Self.number(cluster, sql, database: name) }
        let archived = Self.wait(timeout: 60) {
            try count("SELECT count(*) FROM notification_events WHERE type = 'video.archived'") >= tasks.count
        }
        try #require(archived, "not every video archived: \(first.logLines().suffix(6)) \(second.logLines().suffix(6))")
        // Let a second archive, if there were one, show itself.
        Thread.sleep(forTimeInterval: 1)
        #expect(try count("SELECT count(*) FROM download_jobs") == tasks.count)
        #expect(try count("SELECT count(*) FROM download_jobs WHERE state = 'done' AND owner IS NULL") == tasks.count)
        #expect(try count("SELECT count(*) FROM events") == 2 * tasks.count, "one row per distinct event")
        #expect(try count("SELECT count(*) FROM notification_events WHERE type = 'video.archived'") == tasks.count)
        #expect(try count("SELECT count(DISTINCT task_id) FROM notification_events WHERE type = 'video.archived'") == tasks.count)
        #expect(try count("SELECT count(*) FROM notification_events WHERE type = 'task.completed'") == tasks.count)
        #expect(try count("SELECT sum(duplicate_count) FROM events") >= 6 * tasks.count, "three repeats of each at least")

        // One object per task, its bytes right; nothing left open.
        let printed = try moto.boto3("""
            from hashlib import sha256
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket=argv[1]).get("Contents", [])]
            for key in sorted(keys):
                if key.endswith(".mp4"):
                    data = s3.get_object(Bucket=argv[1], Key=key)["Body"].read()
                    print(key, sha256(data).hexdigest())
            print(len(keys), len(s3.list_multipart_uploads(Bucket=argv[1]).get("Uploads", [])))
            """, arguments: [Self.stormBucket])
        var lines = printed.split(separator: "\n").map(String.init)
        let totals = lines.popLast()?.split(separator: " ").map(String.init)
        #expect(totals == ["\(2 * tasks.count)", "0"], "a video and a sidecar per task, no upload open: \(printed)")
        #expect(lines.count == tasks.count, "\(printed)")
        for line in lines {
            let words = line.split(separator: " ").map(String.init)
            let id = ((words[0] as NSString).lastPathComponent as NSString).deletingPathExtension
            #expect(words[1] == digests[id], "\(line)")
        }
        // Both instances took part, and each logged every job it archived once.
        let done = daemons.map { daemon in tasks.filter { !Self.lines(daemon, "upload.done", task: $0).isEmpty } }
        #expect(Set(done[0]).isDisjoint(with: done[1]), "no video archived by both: \(done)")
        #expect(done[0].count + done[1].count == tasks.count, "\(done)")
    }

    @Test("SIGKILL mid-download: the other instance takes the job over once its lease lapsed, resumes the same multipart upload from the recorded parts and the download from their end; one object, its SHA-256 right; instances shows the killed one lapsed")
    func killedInstanceTakenOver() throws {
        let (cluster, name, url) = try Self.database()
        let moto = try Self.moto()
        // 16 MB/s: the 64 MiB video takes about four seconds, time to kill its instance.
        let nginx = try NginxServer(limitRate: "16m")
        defer { nginx.stop() }
        let size = (64 << 20) + 4321
        let original = try nginx.makeFile("e2e-takeover.mp4", size: size)
        let lease = 3
        let first = try Self.instance(ledger: url, bucket: Self.takeoverBucket, lease: lease)
        let second = try Self.instance(ledger: url, bucket: Self.takeoverBucket, lease: lease)
        defer { first.stop(); second.stop(); first.removeFiles(); second.removeFiles() }
        try first.start()
        try second.start()

        let listing = try second.command(["instances"])
        #expect(listing.status == 0, "\(listing.error)")
        let listed = listing.output.split(separator: "\n").filter { $0.hasPrefix("inst_") }
        #expect(listed.count == 2 && listed.allSatisfy { $0.contains(" alive ") }, "\(listing.output)")
        #expect(listing.output.contains("\(first.pid ?? 0)") && listing.output.contains("\(second.pid ?? 0)"))

        let id = "task-unified-1765000000-takeovr1"
        #expect(Self.deliver(Self.body(id, status: "completed", video: nginx.url("e2e-takeover.mp4")), to: first) == 200)
        // Whichever instance claimed it (the one woken, almost always the first) is killed.
        let owners = [first, second]
        var holder: DaemonProcess?
        #expect(Self.wait(timeout: 30) {
            holder = owners.first { Self.lines($0, "upload.part", task: id).count >= 2 }
            return holder != nil
        }, "no two parts went up: \(first.logLines().suffix(6)) \(second.logLines().suffix(6))")
        let killed = try #require(holder)
        let survivor = killed === first ? second : first
        let uploadID = try #require(Self.lines(killed, "upload.part", task: id).first.flatMap { Self.value("upload_id", in: $0) })
        let holdsIt = try survivor.command(["instances"]).output
        #expect(holdsIt.split(separator: "\n").contains { $0.contains("\(killed.pid ?? 0)") && $0.contains("1 download (\(id))") },
                "the holder shows its job: \(holdsIt)")
        #expect(killed.stop(signal: SIGKILL) == 128 + SIGKILL)
        #expect(Self.lines(killed, "upload.completed", task: id).isEmpty, "killed before the end")
        let recordedParts = try Self.number(cluster, "SELECT count(*) FROM object_upload_parts WHERE task_id = '\(id)'",
                                            database: name)
        try #require(recordedParts >= 2 && recordedParts < 13, "\(recordedParts) parts recorded at the kill")

        // The survivor's worker takes the job over once the lease lapsed, from the parts.
        try #require(Self.wait(timeout: 45) { !Self.lines(survivor, "upload.done", task: id).isEmpty },
                     "not archived by the survivor: \(survivor.logLines().suffix(12))")
        let taken = Self.lines(survivor, "download.taken_over", task: id)
        #expect(taken.count == 1 && taken.first.flatMap { Self.value("previous_owner", in: $0) }?.hasPrefix("inst_") == true,
                "\(taken)")
        let rebuilt = Self.lines(survivor, "download.rebuilt", task: id)
        let from = try #require(rebuilt.first.flatMap { Self.value("from_bytes", in: $0) }.flatMap { Int($0) },
                                "the partial file made again from the recorded parts: \(survivor.logLines().suffix(12))")
        #expect(from == recordedParts * (5 << 20), "every recorded part: \(rebuilt)")
        let resumed = Self.lines(survivor, "upload.resumed", task: id)
        #expect(resumed.count == 1 && resumed.first.flatMap { Self.value("upload_id", in: $0) } == uploadID,
                "the same multipart upload resumed: \(resumed)")
        #expect(Self.lines(survivor, "upload.started", task: id).isEmpty, "no second upload was started")
        #expect(Self.lines(survivor, "download.restarted", task: id).isEmpty, "the video was not fetched again")
        let digest = Self.lines(survivor, "download.digest_resumed", task: id)
        #expect(digest.first.flatMap { Self.value("from_bytes", in: $0) } == "\(from)", "\(digest)")

        let key = Self.prefix + "2025/12/06/\(id).mp4"
        let printed = try moto.boto3("""
            from hashlib import sha256
            head = s3.head_object(Bucket=argv[1], Key=argv[2])
            data = s3.get_object(Bucket=argv[1], Key=argv[2])["Body"].read()
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket=argv[1], Prefix=argv[3]).get("Contents", [])]
            open_uploads = [u for u in s3.list_multipart_uploads(Bucket=argv[1]).get("Uploads", []) if u["Key"] == argv[2]]
            print(head["ContentLength"], head["Metadata"].get("sha256"), sha256(data).hexdigest(), len(keys), len(open_uploads))
            """, arguments: [Self.takeoverBucket, key, Self.prefix + "2025/12/06/\(id)"])
        #expect(printed.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
                    == ["\(size)", original, original, "2", "0"], "one object and its sidecar: \(printed)")
        #expect(try Self.number(cluster, "SELECT count(*) FROM notification_events WHERE type = 'video.archived' AND task_id = '\(id)'",
                                database: name) == 1)
        let job = try cluster.psql("SELECT state, sha256, owner IS NULL FROM download_jobs WHERE task_id = '\(id)'", database: name)
        #expect(job.trimmingCharacters(in: .whitespacesAndNewlines) == "done|\(original)|t", "\(job)")

        // The killed one is lapsed (no heartbeat within its lease), the survivor alive.
        let after = try survivor.command(["instances"]).output
        let rows = after.split(separator: "\n")
        #expect(rows.contains { $0.contains("\(killed.pid ?? 0)") && $0.contains(" lapsed ") }, "\(after)")
        #expect(rows.contains { $0.contains("\(survivor.pid ?? 0)") && $0.contains(" alive ") }, "\(after)")
        let json = try survivor.command(["instances", "--json"]).output
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(Set(decoded.compactMap { $0["state"] as? String }) == ["alive", "lapsed"], "\(json)")

        // Its metrics say the same: one lapsed instance; it holds nothing now.
        let metrics = try PrometheusText(try TestClient.connectPlain(port: survivor.adminPort).get("/metrics").text)
        #expect(metrics.value("videohookd_instances", ["state": "lapsed"]) == 1)
        #expect(metrics.value("videohookd_instances", ["state": "alive"]) == 1)
        #expect(metrics.value("videohookd_held", ["kind": "downloads"]) == 0)

        // A clean stop gives the survivor's turn back and marks it stopped.
        #expect(survivor.stop() == 0)
        let stopped = try first.command(["instances"]).output
        #expect(stopped.split(separator: "\n").contains { $0.contains("\(survivor.pid ?? 0)") && $0.contains(" stopped ") },
                "\(stopped)")
    }

    /// config/haproxy.cfg made to run here: its `defaults` and backend as shipped (mode
    /// tcp, the /readyz check on the admin port, retries and redispatch), the frontend and
    /// the two servers on loopback ports, logging to standard output instead of syslog,
    /// in the foreground as this user.
    private static func haproxyConfig(front: UInt16, servers: [(port: UInt16, admin: UInt16)]) throws -> String {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/haproxy.cfg")
        var lines: [String] = []
        var serverIndex = 0
        for line in try String(contentsOf: shipped, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            let words = line.split(separator: " ")
            switch words.first {
            case "log" where line.hasPrefix("    log /dev/log"):
                lines.append("    log stdout format raw local0")
            case "chroot", "user", "group", "daemon":
                continue
            case "bind":
                lines.append("    bind 127.0.0.1:\(front)")
            case "server":
                let server = servers[serverIndex]
                lines.append("    server \(words[1]) 127.0.0.1:\(server.port) check port \(server.admin)")
                serverIndex += 1
            default:
                lines.append(String(line))
            }
        }
        #expect(serverIndex == servers.count, "config/haproxy.cfg names \(serverIndex) servers")
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("behind HAProxy with config/haproxy.cfg (mode tcp, /readyz on the admin port): callbacks reach both instances; one stopped is taken out by the health check and the other answers every callback, none lost")
    func behindHAProxy() throws {
        let binary = "/usr/sbin/haproxy"
        try #require(FileManager.default.isExecutableFile(atPath: binary),
                     "haproxy is not installed: scripts/install-deps.sh test installs it")
        let (cluster, name, url) = try Self.database()
        let certificates = try TestCertificates.shared()
        // The same certificate and key on both: HAProxy passes TLS through.
        let tls = "tls:\n  cert_file: \(certificates.serverCertificate)\n  key_file: \(certificates.serverKey)"
        let first = try Self.instance(ledger: url, bucket: nil, extra: tls)
        let second = try Self.instance(ledger: url, bucket: nil, extra: tls)
        defer { first.stop(); second.stop(); first.removeFiles(); second.removeFiles() }
        try first.start()
        try second.start()

        let folder = TemporaryDirectory(prefix: "videohookd-haproxy")
        let front = try LoopbackPort.free()
        try Self.haproxyConfig(front: front, servers: [(first.port, first.adminPort), (second.port, second.adminPort)])
            .write(toFile: folder.file("haproxy.cfg"), atomically: true, encoding: .utf8)
        let haproxy = try ChildProcess(executable: binary, arguments: [binary, "-db", "-f", folder.file("haproxy.cfg")],
                                       environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
        defer {
            haproxy.signal(SIGTERM)
            if haproxy.waitForExit(timeout: 5) == nil { haproxy.signal(SIGKILL); _ = haproxy.waitForExit(timeout: 5) }
        }
        let through = { try TestClient.connectTLS(port: front, caFile: certificates.caFile, serverName: "files.test") }
        try #require(Self.wait(timeout: 15) { try through().get("/healthz").status == 200 },
                     "HAProxy does not pass connections on: \(haproxy.standardOutput) \(haproxy.standardError)")

        // New connections, one callback each: leastconn spreads them over both.
        let before = (0..<12).map { String(format: "task-unified-1765000000-hapx%04d", $0) }
        for id in before {
            let answer = try through().post(Self.callbackPath, body: Self.body(id, status: "processing"))
            #expect(answer.status == 200, "\(id): \(answer.status) \(answer.text)")
        }
        let accepted = { (daemon: DaemonProcess, ids: [String]) in
            ids.filter { id in daemon.logLines().contains { $0.contains("event=callback.accepted") && $0.contains(id) } }
        }
        let firstShare = accepted(first, before), secondShare = accepted(second, before)
        #expect(!firstShare.isEmpty && !secondShare.isEmpty && firstShare.count + secondShare.count == before.count,
                "both instances take callbacks: \(firstShare.count) and \(secondShare.count)")

        // One instance stops (an upgrade): connections refused meanwhile go to the other
        // (retries, redispatch), and the health check takes it out.
        #expect(second.stop() == 0)
        let after = (0..<12).map { String(format: "task-unified-1765000000-hapy%04d", $0) }
        for id in after {
            let answer = try through().post(Self.callbackPath, body: Self.body(id, status: "processing"))
            #expect(answer.status == 200, "\(id): \(answer.status) \(answer.text)")
        }
        #expect(Self.wait(timeout: 15) { haproxy.standardOutput.contains("videohookd/vh2 is DOWN") },
                "the check takes the stopped instance out: \(haproxy.standardOutput)")
        #expect(accepted(first, after).count == after.count, "the other took every callback")
        #expect(try Self.number(cluster, "SELECT count(*) FROM tasks", database: name) == before.count + after.count)
        #expect(!haproxy.standardOutput.contains("videohookd/vh1 is DOWN"), "the running one stays up")
    }
}
