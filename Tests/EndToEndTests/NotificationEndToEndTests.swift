import Foundation
import Glibc
import Hashing
import TestSupport
import Testing

/// Notifications through the real `videohookd serve`: a callback in over TLS, the video
/// from nginx over TLS, the events to a webhook receiver that checks every signature
/// with the standardwebhooks package from PyPI, and to commands.
@Suite("Notifications, end to end", .serialized)
struct NotificationEndToEndTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let otherSecret = "whsec_" + Data(repeating: 0x5A, count: 32).base64EncodedString()

    private static func daemon(notify: String, reuse: String? = nil) throws -> DaemonProcess {
        let certificates = try TestCertificates.shared()
        return try DaemonProcess(config: """
            download:
              ca_file: \(certificates.caFile)
              allow_internal: true
            disk_reserve_bytes: 0
            notify:
            \(notify)
            """, reuse: reuse)
    }

    private static func webhook(_ receiver: WebhookReceiver, secrets: [String] = [secret], events: String? = nil) -> String {
        """
              webhooks:
                - url: \(receiver.url)
                  secret: [\(secrets.joined(separator: ", "))]
            \(events.map { "      events: [\($0)]" } ?? "")
              retry_delays: [200ms, 200ms, 200ms, 200ms]
            """
    }

    private static func completed(_ id: String, url: String) -> String {
        #"{"id":"\#(id)","object":"video.generation.task","model":"seedance-1.5-pro","created":\#(Int(Date().timeIntervalSince1970)),"status":"completed","progress":100,"results":["\#(url)"],"type":"video"}"#
    }

    private static func send(_ daemon: DaemonProcess, _ body: String) throws {
        #expect(try daemon.connect().post(daemon.callbackPath, body: body).status == 200)
    }

    private static func events(_ daemon: DaemonProcess, _ extra: [String] = []) throws -> [[String: Any]] {
        let run = try daemon.command(["events", "--json", "--state-dir", daemon.stateDirectory] + extra)
        return run.output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    private static func wait(_ seconds: Double = 20, _ condition: () throws -> Bool) rethrows -> Bool {
        let until = Date(timeIntervalSinceNow: seconds)
        while Date() < until {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return try condition()
    }

    @Test("a completed callback: task.completed, then video.archived with the file's path, bytes and SHA-256, every signature valid")
    func completedThenArchived() throws {
        let nginx = try NginxServer()
        let video = try nginx.makeFile("n-one.mp4", size: 300_000)
        let receiver = try WebhookReceiver(secrets: [Self.secret])
        let daemon = try Self.daemon(notify: Self.webhook(receiver))
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let id = "task-unified-1761313744-notify01"
        try Self.send(daemon, Self.completed(id, url: nginx.url("n-one.mp4") + "?sig=secret"))
        let got = receiver.wait { $0.count >= 2 }
        #expect(got.map(\.type) == ["task.completed", "video.archived"], "\(daemon.logLines().suffix(8))")
        #expect(got.allSatisfy { $0.verifiedByAll }, "\(got.map(\.verified))")
        #expect(Set(got.map(\.id)).count == 2 && got.allSatisfy { $0.id.hasPrefix("evt_") })
        #expect(got.allSatisfy { $0.headers["content-type"] == "application/json" })
        let archived = try #require(got.last?.data)
        let path = try #require((archived["archive"] as? [String: Any])?["path"] as? String)
        let onDisk = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(onDisk == video)
        #expect(archived["bytes"] as? Int == video.count)
        let digest = SHA256Digest()
        video.withUnsafeBytes { digest.update($0) }
        #expect(archived["sha256"] as? String == digest.finishHex())
        #expect(archived["source_url"] as? String == nginx.url("n-one.mp4"), "the query is left out")
        #expect(archived["task_id"] as? String == id && archived["status"] as? String == "completed")
        #expect((archived["task"] as? [String: Any])?["id"] as? String == id)
        #expect(FileManager.default.fileExists(atPath: try #require(archived["sidecar"] as? String)))
        #expect(daemon.logLines().contains { $0.contains("event=notify.delivered") && $0.contains("task_id=\(id)") })
        #expect(!daemon.logLines().joined().contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "no secret in the log")
    }

    @Test("the receiver answers 500 twice, then 200: three attempts with one webhook-id, all listed by events show")
    func retriedWithOneID() throws {
        let nginx = try NginxServer()
        try nginx.makeFile("n-retry.mp4", size: 10_000)
        let receiver = try WebhookReceiver(secrets: [Self.secret], statuses: [500, 500, 200])
        let daemon = try Self.daemon(notify: Self.webhook(receiver, events: "video.archived"))
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        try Self.send(daemon, Self.completed("task-unified-1761313744-notify02", url: nginx.url("n-retry.mp4")))
        let got = receiver.wait { $0.count >= 3 }
        Thread.sleep(forTimeInterval: 1) // no fourth attempt may follow the 200
        #expect(receiver.deliveries().count == 3)
        #expect(got.map(\.answered) == [500, 500, 200])
        #expect(Set(got.map(\.id)).count == 1 && got.allSatisfy { $0.verifiedByAll })
        #expect(Set(got.map(\.body)).count == 1, "the same body every time")
        let eventID = got[0].id
        #expect(try Self.wait { try Self.events(daemon).first?["status"] as? String == "delivered" })
        let show = try daemon.command(["events", "show", eventID, "--state-dir", daemon.stateDirectory])
        #expect(show.status == 0)
        let attempts = show.output.split(separator: "\n").filter { $0.hasPrefix("attempt") }
        #expect(attempts.count == 3, "\(show.output)")
        #expect(attempts.filter { $0.contains("HTTP 500") && $0.contains(" retry ") }.count == 2, "\(show.output)")
        #expect(attempts.last?.contains("HTTP 200") == true && attempts.last?.contains("delivered") == true)
        #expect(daemon.logLines().filter { $0.contains("event=notify.retry") }.count == 2)
    }

    @Test("the receiver is down while the video is archived and the daemon is SIGKILLed: after the restart it is delivered, same id")
    func deliveredAfterCrash() throws {
        let nginx = try NginxServer()
        try nginx.makeFile("n-crash.mp4", size: 10_000)
        let receiver = try WebhookReceiver(secrets: [Self.secret])
        let port = receiver.port
        receiver.stop()
        let notify = """
              webhooks:
                - url: http://127.0.0.1:\(port)/hooks
                  secret: \(Self.secret)
                  events: [video.archived]
              retry_delays: [300ms, 60s]
            """
        let first = try Self.daemon(notify: notify)
        defer { first.stop(); first.removeFiles() }
        try first.start()
        try Self.send(first, Self.completed("task-unified-1761313744-notify03", url: nginx.url("n-crash.mp4")))
        // The first attempt is refused (nobody listens) and waits 300 ms; the next waits a minute.
        #expect(try Self.wait { (try Self.events(first).first?["deliveries"] as? [[String: Any]])?.first?["attempts"] as? Int ?? 0 >= 2 },
                "\(first.logLines().suffix(6))")
        let eventID = try #require(try Self.events(first).first?["id"] as? String)
        #expect(first.stop(signal: SIGKILL) == 128 + SIGKILL)

        try receiver.start(port: port)
        let second = try Self.daemon(notify: notify.replacingOccurrences(of: "[300ms, 60s]", with: "[300ms, 60s, 60s]"),
                                     reuse: first.directory)
        defer { second.stop() }
        try second.start()
        // Due a minute after the last refusal: replayed now, as an operator would.
        #expect(try second.command(["events", "replay", "--failed", "--state-dir", second.stateDirectory]).status != 0,
                "nothing has failed for good yet")
        #expect(try second.command(["events", "replay", eventID, "--state-dir", second.stateDirectory]).status == 0)
        let got = receiver.wait { !$0.isEmpty }
        #expect(got.map(\.id) == [eventID])
        #expect(got.first?.verifiedByAll == true)
    }

    @Test("commands: the body on stdin with the event's variables; exit 1 is retried; a hanging one is killed at its timeout")
    func commands() throws {
        let nginx = try NginxServer()
        try nginx.makeFile("n-cmd.mp4", size: 10_000)
        let out = TemporaryDirectory(prefix: "videohookd-cmd-out")
        let marker = "vh-hang-\(UInt32.random(in: 0...UInt32.max))"
        let daemon = try Self.daemon(notify: """
              commands:
                - run: ["/bin/sh", "-c", "cat > \(out.path)/$VIDEOHOOKD_EVENT_ID.json; env | grep ^VIDEOHOOKD_ | sort > \(out.path)/$VIDEOHOOKD_EVENT_ID.env"]
                  events: [video.archived]
                - run: ["/bin/sh", "-c", "echo refusing; exit 1"]
                  events: [video.archived]
                - run: ["/bin/sh", "-c", "echo $$ > \(out.path)/hang.pid; sleep 60; echo \(marker)"]
                  events: [video.archived]
                  timeout: 1s
              retry_delays: [200ms, 200ms]
            """)
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let id = "task-unified-1761313744-notify04"
        try Self.send(daemon, Self.completed(id, url: nginx.url("n-cmd.mp4")))
        #expect(try Self.wait(30) {
            try Self.events(daemon, ["--task", id]).contains { $0["type"] as? String == "video.archived" && $0["status"] as? String == "failed" }
        }, "\(daemon.logLines().suffix(10))")
        let event = try #require(try Self.events(daemon, ["--task", id]).first { $0["type"] as? String == "video.archived" })
        let eventID = try #require(event["id"] as? String)
        let deliveries = try #require(event["deliveries"] as? [[String: Any]])
        #expect(deliveries.map { $0["state"] as? String } == ["delivered", "failed", "failed"])
        #expect(deliveries.map { $0["attempts"] as? Int } == [1, 3, 3])

        let show = try daemon.command(["events", "show", eventID, "--state-dir", daemon.stateDirectory]).output
        let stdin = try String(contentsOfFile: out.file("\(eventID).json"), encoding: .utf8)
        #expect(show.contains("body        " + stdin), "the command got the body the ledger keeps")
        let env = try String(contentsOfFile: out.file("\(eventID).env"), encoding: .utf8)
        #expect(env.contains("VIDEOHOOKD_EVENT_ID=\(eventID)\n") && env.contains("VIDEOHOOKD_EVENT_TYPE=video.archived\n"))
        #expect(env.contains("VIDEOHOOKD_TASK_ID=\(id)\n") && env.contains("VIDEOHOOKD_VIDEO_PATH=/") && env.contains("VIDEOHOOKD_SIDECAR_PATH=/"))
        #expect(show.contains("exit 1") && show.contains("output    refusing"), "\(show)")
        #expect(show.contains("did not finish within its timeout"), "\(show)")
        let hung = try #require(Int32(try String(contentsOfFile: out.file("hang.pid"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(hung, 0) != 0, "the hanging command's process is gone")
        // pgrep exits 1 when nothing matches: nothing of the hanging command survives.
        #expect(throws: (any Error).self) { try ProcessRunner.run("/usr/bin/pgrep", ["-f", marker]) }
    }

    @Test("a rotated secret: both signatures verify; a receiver holding another secret refuses every delivery")
    func rotatedSecrets() throws {
        let nginx = try NginxServer()
        try nginx.makeFile("n-rot.mp4", size: 10_000)
        let both = try WebhookReceiver(secrets: [Self.secret, Self.otherSecret])
        let wrong = try WebhookReceiver(secrets: ["whsec_" + Data(repeating: 0x11, count: 32).base64EncodedString()],
                                        statuses: [401])
        let daemon = try Self.daemon(notify: """
              webhooks:
                - url: \(both.url)
                  secret: [\(Self.secret), \(Self.otherSecret)]
                  events: [video.archived]
                - url: \(wrong.url)
                  secret: \(Self.secret)
                  events: [video.archived]
              retry_delays: [200ms, 200ms]
            """)
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        try Self.send(daemon, Self.completed("task-unified-1761313744-notify05", url: nginx.url("n-rot.mp4")))
        let rotated = both.wait { !$0.isEmpty }
        #expect(rotated.first?.verified == ["0": .verified, "1": .verified])
        #expect(rotated.first?.headers["webhook-signature"]?.split(separator: " ").count == 2)
        let refused = wrong.wait { $0.count >= 3 }
        #expect(refused.count == 3, "401 is retried, then the delivery fails")
        #expect(refused.allSatisfy { !$0.verifiedByAll })
        if case .refused(let why)? = refused.first?.verified["0"] { #expect(why.contains("signature")) } else {
            Issue.record("the wrong secret verified")
        }
    }

    @Test("events replay sends the event again with the same id and body")
    func replay() throws {
        let nginx = try NginxServer()
        try nginx.makeFile("n-replay.mp4", size: 10_000)
        let receiver = try WebhookReceiver(secrets: [Self.secret])
        let daemon = try Self.daemon(notify: Self.webhook(receiver, events: "video.archived"))
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        try Self.send(daemon, Self.completed("task-unified-1761313744-notify06", url: nginx.url("n-replay.mp4")))
        let first = receiver.wait { !$0.isEmpty }
        let eventID = try #require(first.first?.id)
        let replayed = try daemon.command(["events", "replay", eventID, "--state-dir", daemon.stateDirectory])
        #expect(replayed.status == 0, "\(replayed.error)")
        #expect(replayed.output.contains("queued 1 delivery again"))
        let got = receiver.wait { $0.count >= 2 }
        #expect(got.count == 2)
        #expect(got.map(\.id) == [eventID, eventID] && got[0].body == got[1].body && got.allSatisfy { $0.verifiedByAll })
        let bad = try daemon.command(["events", "replay", "evt_nope", "--state-dir", daemon.stateDirectory])
        #expect(bad.status != 0 && bad.error.contains("not an event id"))
    }
}
