import Foundation
import Glibc
import Ledger
import TestSupport
import Testing

/// Notifications through the real `videohookd serve`: a callback in over TLS, the video
/// from a real nginx over TLS (its CA trusted through `download.ca_file`, loopback allowed
/// through `download.allow_internal`), the events out to a webhook receiver that checks
/// every signature with the `standardwebhooks` package from PyPI (`webhook_receiver.py`),
/// or to commands. Each test starts its own nginx, receiver and daemon.
@Suite("Notifications, end to end", .serialized)
struct NotificationEndToEndTests {
    // MARK: Helpers

    private static func daemon(notify: String, reuse: String? = nil) throws -> DaemonProcess {
        let certificates = try TestCertificates.shared()
        return try DaemonProcess(config: """
            download:
              ca_file: \(certificates.caFile)
              allow_internal: true
            disk_reserve_bytes: 0
            \(notify)
            """, reuse: reuse)
    }

    private static func completedBody(_ id: String, url: String) -> String {
        #"{"id":"\#(id)","object":"video.generation.task","model":"seedance-1.5-pro","created":\#(Int(Date().timeIntervalSince1970)),"status":"completed","progress":100,"results":["\#(url)"],"type":"video"}"#
    }

    /// Posts a completed callback for `id` whose video is `url`; the daemon answers 200.
    private static func complete(_ daemon: DaemonProcess, _ id: String, url: String) throws {
        let answer = try daemon.connect().post(daemon.callbackPath, body: completedBody(id, url: url))
        try #require(answer.status == 200, "callback answered \(answer.status): \(answer.text)")
    }

    /// `videohookd events --json ARGS`: one JSON object a line.
    private static func events(_ daemon: DaemonProcess, _ arguments: [String] = []) throws -> [[String: Any]] {
        // Thrown, not recorded: polls call this until it holds; a test that calls it
        // directly fails with the error.
        let run = try daemon.command(["events", "--json"] + arguments)
        guard run.status == 0 else { throw DaemonError("events --json exited \(run.status): \(run.error)") }
        return try run.output.split(separator: "\n").map { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw DaemonError("events --json printed a line that is not a JSON object: \(line)")
            }
            return object
        }
    }

    /// The one event of `type` for `task`, once `events --json` lists it.
    private static func event(_ daemon: DaemonProcess, type: String, task: String) throws -> [String: Any]? {
        try events(daemon, ["--task", task]).first { $0["type"] as? String == type }
    }

    private static func deliveries(_ event: [String: Any]?) -> [[String: Any]] {
        event?["deliveries"] as? [[String: Any]] ?? []
    }

    /// `videohookd events show ID`.
    private static func show(_ daemon: DaemonProcess, _ id: String) throws -> String {
        let run = try daemon.command(["events", "show", id])
        guard run.status == 0 else { throw DaemonError("events show \(id) exited \(run.status): \(run.error)") }
        return run.output
    }

    /// The attempt lines of `events show`.
    private static func attemptLines(_ shown: String) -> [String] {
        shown.split(separator: "\n").map(String.init).filter { $0.hasPrefix("attempt ") }
    }

    /// The body `events show` prints: what the ledger keeps and sends.
    private static func shownBody(_ shown: String) -> String? {
        shown.split(separator: "\n").first { $0.hasPrefix("body ") }
            .map { String($0.dropFirst(4).drop { $0 == " " }) }
    }

    /// The ledger's record of one event and every attempt, read as `events show` reads it.
    private static func detail(_ daemon: DaemonProcess, _ id: String) -> NotificationEventDetail? {
        (try? Ledger.openForReading(path: daemon.ledgerFile).notificationEvent(id: id)) ?? nil
    }

    private static func wait(timeout: Double = 15, _ condition: () throws -> Bool) -> Bool {
        Polling.until(timeout: timeout) { (try? condition()) == true }
    }

    private static func int(_ value: Any?) -> Int? { (value as? NSNumber)?.intValue }

    private static func fileSize(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber).intValue
    }

    /// The daemon's log lines for `event` (`event=notify.delivered` ...) about `eventID`.
    private static func logLines(_ daemon: DaemonProcess, _ event: String, eventID: String) -> [String] {
        daemon.logLines().filter { $0.contains(" event=\(event) ") && $0.contains("event_id=\(eventID)") }
    }

    /// True while `pid` is a live process (not gone, not a zombie waiting for its parent).
    private static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].drop { $0 == " " }.first
        return state != "Z" && state != "X"
    }

    /// The checks every delivery of the daemon passes: a signed POST of JSON to the
    /// configured path, its timestamp now, its id an event id.
    private static func expectWellFormed(_ delivery: WebhookReceiver.Delivery, verifiedBy secrets: Int,
                                         sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(delivery.method == "POST", sourceLocation: sourceLocation)
        #expect(delivery.path == "/hooks", sourceLocation: sourceLocation)
        #expect(delivery.headers["content-type"]?.hasPrefix("application/json") == true,
                "\(delivery.headers)", sourceLocation: sourceLocation)
        #expect(delivery.id?.hasPrefix("evt_") == true, "\(delivery.headers)", sourceLocation: sourceLocation)
        #expect(delivery.repeatedHeaders.isEmpty, "\(delivery.repeatedHeaders)", sourceLocation: sourceLocation)
        let timestamp = delivery.headers["webhook-timestamp"].flatMap { Double($0) }
        #expect(timestamp.map { abs($0 - delivery.received) < 30 } == true,
                "webhook-timestamp \(delivery.headers["webhook-timestamp"] ?? "none"), received \(delivery.received)",
                sourceLocation: sourceLocation)
        #expect(delivery.verified.count == secrets, sourceLocation: sourceLocation)
        #expect(delivery.verifiedByAll, "standardwebhooks: \(delivery.verificationErrors)", sourceLocation: sourceLocation)
        #expect(delivery.json != nil, "not a JSON object: \(delivery.body)", sourceLocation: sourceLocation)
    }

    // MARK: Tests

    @Test("a completed callback: task.completed, then video.archived with the archived file's path, bytes and SHA-256; every signature valid")
    func completedThenArchived() throws {
        let nginx = try NginxServer()
        defer { nginx.stop() }
        let original = try nginx.makeFile("ntfy-archived.mp4", size: 1 << 20)
        let secret = WebhookReceiver.makeSecret()
        let receiver = try WebhookReceiver(secrets: [secret])
        defer { receiver.stop() }
        // One worker: the events go out in the order they were committed.
        let daemon = try Self.daemon(notify: """
            notify:
              webhooks:
                - url: \(receiver.url)
                  secret: \(secret)
              concurrency: 1
              retry_delays: [200ms, 200ms, 200ms]
            """)
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let id = "task-unified-1761313744-ntfy0001"
        let source = nginx.url("ntfy-archived.mp4")
        try Self.complete(daemon, id, url: source + "?X-Tos-Signature=not-for-the-receiver")

        let seen = receiver.waitForDeliveries { $0.count >= 2 }
        try #require(seen.count == 2, "\(seen.map { $0.type ?? $0.body }); log: \(daemon.logLines().suffix(10))")
        #expect(seen.map(\.type) == ["task.completed", "video.archived"])
        for delivery in seen { Self.expectWellFormed(delivery, verifiedBy: 1) }
        #expect(Set(seen.compactMap(\.id)).count == 2, "one id per event")

        let completed = try #require(seen[0].data)
        #expect(completed["task_id"] as? String == id)
        #expect(completed["status"] as? String == "completed")
        #expect((completed["task"] as? [String: Any])?["id"] as? String == id)
        #expect(completed["archive"] == nil, "nothing is archived yet at task.completed")

        let archived = try #require(seen[1].data)
        #expect(archived["task_id"] as? String == id)
        #expect(archived["status"] as? String == "completed")
        #expect((archived["task"] as? [String: Any])?["id"] as? String == id)
        let path = try #require((archived["archive"] as? [String: Any])?["path"] as? String, "\(archived)")
        #expect(path.hasPrefix(daemon.stateDirectory + "/archive/"), "\(path)")
        // The facts of the file on disk, not the daemon's word for them.
        let onDisk = try FileServer.sha256(of: path)
        #expect(onDisk == original, "the archived file is nginx's file")
        #expect(archived["sha256"] as? String == onDisk)
        #expect(Self.int(archived["bytes"]) == (try Self.fileSize(path)))
        #expect(Self.int(archived["bytes"]) == 1 << 20)
        #expect(archived["content_type"] as? String == "video/mp4")
        #expect(archived["source_url"] as? String == source, "the source URL without its query")
        let sidecar = try #require(archived["sidecar"] as? String)
        #expect(FileManager.default.fileExists(atPath: sidecar), "\(sidecar)")
        #expect(seen[0].received <= seen[1].received)

        // The ids are the events' ids, as `events` prints them, and both are delivered.
        #expect(Self.wait {
            let listed = try Self.events(daemon, ["--task", id])
            return listed.count == 2 && listed.allSatisfy { $0["status"] as? String == "delivered" }
        }, "\((try? Self.events(daemon, ["--task", id])) ?? [])")
        let listed = try Self.events(daemon, ["--task", id])
        for delivery in seen {
            let event = try #require(listed.first { $0["id"] as? String == delivery.id }, "\(delivery.id ?? "") not in \(listed)")
            #expect(event["type"] as? String == delivery.type)
            #expect(event["task_id"] as? String == id)
            let targets = Self.deliveries(event)
            #expect(targets.count == 1 && Self.int(targets.first?["attempts"]) == 1, "\(targets)")
            #expect((targets.first?["target"] as? String)?.contains(receiver.url) == true, "\(targets)")
            let logged = Self.logLines(daemon, "notify.delivered", eventID: delivery.id ?? "?")
            #expect(logged.count == 1, "\(daemon.logLines().suffix(10))")
            #expect(logged.first.map { $0.contains("task_id=\(id)") && $0.contains("attempt=1") && $0.contains("target=") } == true,
                    "\(logged)")
        }
    }

    @Test("the receiver answers 500 twice, then 200: three attempts with one webhook-id, on the retry delays; events show lists them")
    func retriedUntilDelivered() throws {
        let nginx = try NginxServer()
        defer { nginx.stop() }
        try nginx.makeFile("ntfy-retry.mp4", size: 64 << 10)
        let secret = WebhookReceiver.makeSecret()
        let receiver = try WebhookReceiver(secrets: [secret], script: [500, 500])
        defer { receiver.stop() }
        let daemon = try Self.daemon(notify: """
            notify:
              webhooks:
                - url: \(receiver.url)
                  secret: \(secret)
                  events: [task.completed]
              retry_delays: [300ms, 300ms, 300ms]
            """)
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let id = "task-unified-1761313744-ntfy0002"
        try Self.complete(daemon, id, url: nginx.url("ntfy-retry.mp4"))

        #expect(Self.wait {
            Self.deliveries(try Self.event(daemon, type: "task.completed", task: id)).first?["state"] as? String == "delivered"
        }, "\(daemon.logLines().suffix(10))")
        let event = try #require(try Self.event(daemon, type: "task.completed", task: id))
        let eventID = try #require(event["id"] as? String)
        let targets = Self.deliveries(event)
        #expect(targets.count == 1 && Self.int(targets.first?["attempts"]) == 3, "\(targets)")

        let seen = try receiver.deliveries()
        #expect(seen.count == 3, "exactly three attempts: \(seen.map(\.answered))")
        #expect(seen.map(\.answered) == [500, 500, 200])
        #expect(Set(seen.compactMap(\.id)) == [eventID], "the same webhook-id on every attempt")
        #expect(Set(seen.map(\.bodyBase64)).count == 1, "the same body on every attempt")
        for delivery in seen { Self.expectWellFormed(delivery, verifiedBy: 1) }
        // 300 ms ± 20 %, and a little for the scheduling; not much more.
        for (earlier, later) in zip(seen, seen.dropFirst()) {
            let gap = later.received - earlier.received
            #expect(gap >= 0.22 && gap < 3, "gap of \(gap) s between attempts")
        }

        let shown = try Self.show(daemon, eventID)
        let attempts = Self.attemptLines(shown)
        #expect(attempts.count == 3, "\(shown)")
        #expect(attempts.filter { $0.contains("500") }.count == 2, "\(shown)")
        #expect(attempts.last?.contains("200") == true, "\(shown)")

        let retries = Self.logLines(daemon, "notify.retry", eventID: eventID)
        #expect(retries.count == 2, "\(daemon.logLines().suffix(10))")
        #expect(retries.first?.contains("attempt=1") == true && retries.last?.contains("attempt=2") == true, "\(retries)")
        let delivered = Self.logLines(daemon, "notify.delivered", eventID: eventID)
        #expect(delivered.count == 1 && delivered.first?.contains("attempt=3") == true, "\(delivered)")
        for line in retries + delivered {
            #expect(line.contains("task_id=\(id)") && line.contains("target=") && line.contains(receiver.url), "\(line)")
        }
        #expect(Self.logLines(daemon, "notify.failed", eventID: eventID).isEmpty)
    }

    @Test("receiver down while the video is archived, daemon SIGKILLed: after the restart the event is delivered with the id events printed")
    func deliveredAfterKillAndRestart() throws {
        let nginx = try NginxServer()
        defer { nginx.stop() }
        try nginx.makeFile("ntfy-down.mp4", size: 256 << 10)
        let secret = WebhookReceiver.makeSecret()
        // Started only for a port of its own, then down until the daemon has been killed.
        let receiver = try WebhookReceiver(secrets: [secret])
        defer { receiver.stop() }
        receiver.stop()
        let notify = """
            notify:
              webhooks:
                - url: \(receiver.url)
                  secret: \(secret)
                  events: [video.archived]
              retry_delays: [1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s]
            """
        let first = try Self.daemon(notify: notify)
        defer { first.stop(); first.removeFiles() }
        try first.start()
        let id = "task-unified-1761313744-ntfy0003"
        try Self.complete(first, id, url: nginx.url("ntfy-down.mp4"))

        // Archived, and tried at least once against the closed port.
        #expect(Self.wait {
            Self.int(Self.deliveries(try Self.event(first, type: "video.archived", task: id)).first?["attempts"]) ?? 0 >= 1
        }, "\(first.logLines().suffix(10))")
        let before = try #require(try Self.event(first, type: "video.archived", task: id))
        let eventID = try #require(before["id"] as? String)
        #expect(before["status"] as? String == "pending")
        #expect(Self.deliveries(before).first?["state"] as? String != "delivered")
        #expect(Self.deliveries(before).first?["last_error"] as? String != nil, "\(before)")
        #expect(!Self.logLines(first, "notify.retry", eventID: eventID).isEmpty, "\(first.logLines().suffix(10))")
        #expect(first.stop(signal: SIGKILL) == 128 + SIGKILL)
        #expect(try receiver.deliveries().isEmpty, "nothing reached the receiver while it was down")

        try receiver.start()
        let second = try Self.daemon(notify: notify, reuse: first.directory)
        defer { second.stop() }
        try second.start()
        let seen = receiver.waitForDeliveries { $0.contains { $0.id == eventID } }
        try #require(seen.contains { $0.id == eventID }, "\(seen.map { $0.id ?? "" }); log: \(second.logLines().suffix(10))")
        #expect(seen.allSatisfy { $0.id == eventID && $0.type == "video.archived" }, "\(seen.map { ($0.id ?? "", $0.type ?? "") })")
        for delivery in seen { Self.expectWellFormed(delivery, verifiedBy: 1) }
        #expect(seen.first?.data?["task_id"] as? String == id)
        #expect(Self.wait {
            Self.deliveries(try Self.event(second, type: "video.archived", task: id)).first?["state"] as? String == "delivered"
        })
        #expect(Self.logLines(second, "notify.delivered", eventID: eventID).count == 1, "\(second.logLines().suffix(10))")
    }

    @Test("commands: the body on stdin and the event in the environment; exit 1 is retried; a hanging one is killed at its timeout")
    func commands() throws {
        let nginx = try NginxServer()
        defer { nginx.stop() }
        try nginx.makeFile("ntfy-command.mp4", size: 128 << 10)
        let output = TemporaryDirectory(prefix: "videohookd-commands")
        let out = output.path
        let daemon = try Self.daemon(notify: """
            notify:
              commands:
                - run:
                    - /bin/sh
                    - -c
                    - 'cat > "$0/$VIDEOHOOKD_EVENT_ID.tmp" && env > "$0/$VIDEOHOOKD_EVENT_ID.env" && mv "$0/$VIDEOHOOKD_EVENT_ID.tmp" "$0/$VIDEOHOOKD_EVENT_ID.json"'
                    - \(out)
                  events: [video.archived]
                  timeout: 10s
                - run: [/bin/sh, -c, 'cat > /dev/null; exit 1', exit-one]
                  events: [task.completed]
                  timeout: 10s
                - run:
                    - /bin/sh
                    - -c
                    - 'sleep 60 & echo "$$ $!" > "$0/hang-$$.tmp"; mv "$0/hang-$$.tmp" "$0/hang-$$.pids"; wait'
                    - \(out)
                  events: [task.completed]
                  timeout: 1s
              retry_delays: [200ms, 200ms, 200ms]
            """)
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let id = "task-unified-1761313744-ntfy0004"
        try Self.complete(daemon, id, url: nginx.url("ntfy-command.mp4"))

        // The hanging command: its shell and its sleep run, then are gone at the timeout.
        func pidFiles() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).filter { $0.hasSuffix(".pids") }.sorted()
        }
        #expect(Self.wait { !pidFiles().isEmpty }, "\(daemon.logLines().suffix(10))")
        let firstPids = try #require(pidFiles().first)
        let pids = try String(contentsOfFile: out + "/" + firstPids, encoding: .utf8).split(separator: " ")
            .compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(pids.count == 2, "\(pids)")
        #expect(pids.allSatisfy(Self.isAlive), "the hanging command runs (shell \(pids[0]), sleep \(pids[1]))")

        // The body on stdin is the ledger's body; the environment names the event and the files.
        let archived = Self.wait { try Self.event(daemon, type: "video.archived", task: id) != nil }
        let archivedEvent = try #require(try Self.event(daemon, type: "video.archived", task: id), "archived: \(archived)")
        let archivedID = try #require(archivedEvent["id"] as? String)
        let stdinFile = out + "/\(archivedID).json"
        #expect(Self.wait { FileManager.default.fileExists(atPath: stdinFile) }, "\(daemon.logLines().suffix(10))")
        let stdin = try String(contentsOfFile: stdinFile, encoding: .utf8)
        let shownArchived = try Self.show(daemon, archivedID)
        #expect(Self.shownBody(shownArchived) == stdin, "\(shownArchived)\n---\n\(stdin)")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(stdin.utf8)) as? [String: Any])
        #expect(body["type"] as? String == "video.archived")
        let data = try #require(body["data"] as? [String: Any])
        let videoPath = try #require((data["archive"] as? [String: Any])?["path"] as? String)
        let environment = Dictionary(try String(contentsOfFile: out + "/\(archivedID).env", encoding: .utf8)
            .split(separator: "\n").filter { $0.hasPrefix("VIDEOHOOKD_") }
            .map { line -> (String, String) in
                let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                return (parts[0], parts.count > 1 ? parts[1] : "")
            }, uniquingKeysWith: { $1 })
        #expect(environment["VIDEOHOOKD_EVENT_ID"] == archivedID)
        #expect(environment["VIDEOHOOKD_EVENT_TYPE"] == "video.archived")
        #expect(environment["VIDEOHOOKD_TASK_ID"] == id)
        #expect(environment["VIDEOHOOKD_VIDEO_PATH"] == videoPath)
        #expect(environment["VIDEOHOOKD_SIDECAR_PATH"] == data["sidecar"] as? String)
        #expect(FileManager.default.fileExists(atPath: videoPath) && videoPath.hasPrefix(daemon.stateDirectory + "/archive/"))
        #expect(FileManager.default.fileExists(atPath: environment["VIDEOHOOKD_SIDECAR_PATH"] ?? "/nonexistent"))
        #expect(Set(environment.keys) == ["VIDEOHOOKD_EVENT_ID", "VIDEOHOOKD_EVENT_TYPE", "VIDEOHOOKD_TASK_ID",
                                          "VIDEOHOOKD_VIDEO_PATH", "VIDEOHOOKD_SIDECAR_PATH"],
                "no other VIDEOHOOKD_ variable (the daemon's settings) reaches a command: \(environment.keys.sorted())")
        #expect(Self.wait {
            Self.deliveries(try Self.event(daemon, type: "video.archived", task: id)).first?["state"] as? String == "delivered"
        })

        // exit 1: retried, then failed for good after the last delay; the hanging one likewise.
        let completedID = try #require(try Self.event(daemon, type: "task.completed", task: id)?["id"] as? String)
        #expect(Self.wait(timeout: 15) {
            let targets = Self.deliveries(try Self.event(daemon, type: "task.completed", task: id))
            return targets.count == 2 && targets.allSatisfy { $0["state"] as? String == "failed" }
        }, "\((try? Self.event(daemon, type: "task.completed", task: id)) ?? [:])")
        let completed = try #require(try Self.event(daemon, type: "task.completed", task: id))
        let failing = try #require(Self.deliveries(completed).first { ($0["target"] as? String)?.contains("exit-one") == true })
        let hanging = try #require(Self.deliveries(completed).first { ($0["target"] as? String)?.contains("sleep 60") == true })
        #expect(Self.int(failing["attempts"]) == 4, "one attempt and three retries: \(failing)")
        #expect(Self.int(hanging["attempts"]) == 4, "\(hanging)")
        let shown = try Self.show(daemon, completedID)
        #expect(Self.attemptLines(shown).filter { $0.contains("exit-one") && $0.contains("exit 1") }.count >= 2, "\(shown)")

        let attempts = try #require(Self.detail(daemon, completedID)).attempts
        let hangAttempts = attempts.filter { $0.target.contains("sleep 60") }
        #expect(hangAttempts.count == 4)
        for attempt in hangAttempts {
            #expect(attempt.durationMilliseconds >= 900 && attempt.durationMilliseconds < 5_000,
                    "killed at its 1 s timeout, not at the end of sleep 60: \(attempt)")
            #expect(attempt.exitCode == nil || attempt.exitCode != 0, "\(attempt)")
        }
        // Every run of it, shell and sleep alike, is gone: the whole process group was killed.
        #expect(pidFiles().count == 4, "\(pidFiles())")
        var everyPid: [Int32] = []
        for file in pidFiles() {
            everyPid += try String(contentsOfFile: out + "/" + file, encoding: .utf8).split(separator: " ")
                .compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        #expect(everyPid.count == 8)
        #expect(Self.wait(timeout: 3) { !everyPid.contains(where: Self.isAlive) },
                "still running: \(everyPid.filter(Self.isAlive))")
        #expect(Self.logLines(daemon, "notify.failed", eventID: completedID).count == 2, "\(daemon.logLines().suffix(10))")
        withExtendedLifetime(output) {}
    }

    @Test("a rotated secret: both signatures verify with standardwebhooks; a receiver holding a wrong secret refuses, and the daemon retries")
    func rotatedAndWrongSecrets() throws {
        let nginx = try NginxServer()
        defer { nginx.stop() }
        try nginx.makeFile("ntfy-rotate.mp4", size: 64 << 10)
        let (newer, older, third, wrong) = (WebhookReceiver.makeSecret(), WebhookReceiver.makeSecret(),
                                            WebhookReceiver.makeSecret(), WebhookReceiver.makeSecret())
        let rotating = try WebhookReceiver(secrets: [newer, older])
        defer { rotating.stop() }
        let mismatched = try WebhookReceiver(secrets: [wrong], requireVerified: true)
        defer { mismatched.stop() }
        let secrets = TemporaryDirectory(prefix: "videohookd-secrets")
        let secretFile = try secrets.write("notify-secret", third + "\n")
        let daemon = try Self.daemon(notify: """
            notify:
              webhooks:
                - url: \(rotating.url)
                  secret: [\(newer), \(older)]
                  events: [task.completed]
                - url: \(mismatched.url)
                  secret_file: \(secretFile)
                  events: [task.completed]
              retry_delays: [200ms, 200ms, 200ms]
            """)
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let id = "task-unified-1761313744-ntfy0005"
        try Self.complete(daemon, id, url: nginx.url("ntfy-rotate.mp4"))

        let good = rotating.waitForDeliveries { !$0.isEmpty }
        try #require(good.count == 1, "\(daemon.logLines().suffix(10))")
        Self.expectWellFormed(good[0], verifiedBy: 2)
        #expect(good[0].verified.map(\.ok) == [true, true], "each secret of the pair verifies on its own: \(good[0].verificationErrors)")
        let signatures = (good[0].headers["webhook-signature"] ?? "").split(separator: " ")
        #expect(signatures.count == 2 && signatures.allSatisfy { $0.hasPrefix("v1,") }, "\(signatures)")
        #expect(good[0].answered == 200)

        let refused = mismatched.waitForDeliveries { $0.count >= 4 }
        #expect(refused.count == 4, "one attempt and three retries: \(refused.map(\.answered)); log: \(daemon.logLines().suffix(10))")
        #expect(refused.allSatisfy { $0.answered == 401 })
        #expect(refused.allSatisfy { $0.id == good[0].id }, "one event, one id, for every target and attempt")
        for delivery in refused {
            #expect(delivery.verified.count == 1 && delivery.verified.first?.ok == false)
            #expect(delivery.verified.first?.error?.contains("No matching signature") == true, "\(delivery.verified)")
            #expect((delivery.headers["webhook-signature"] ?? "").split(separator: " ").count == 1, "one secret in the file")
        }
        #expect(Self.wait {
            let targets = Self.deliveries(try Self.event(daemon, type: "task.completed", task: id))
            return targets.contains { ($0["target"] as? String)?.contains(mismatched.url) == true && $0["state"] as? String == "failed" }
        })
        let targets = Self.deliveries(try Self.event(daemon, type: "task.completed", task: id))
        #expect(targets.first { ($0["target"] as? String)?.contains(rotating.url) == true }?["state"] as? String == "delivered", "\(targets)")
        let eventID = try #require(good[0].id)
        #expect(Self.logLines(daemon, "notify.retry", eventID: eventID).filter { $0.contains(mismatched.url) }.count == 3)
        #expect(Self.logLines(daemon, "notify.failed", eventID: eventID).filter { $0.contains(mismatched.url) }.count == 1)
        for secret in [newer, older, third] {
            #expect(!daemon.logLines().contains { $0.contains(secret.dropFirst(6)) }, "a secret in the log")
        }
        withExtendedLifetime(secrets) {}
    }

    @Test("events replay EVENT_ID sends the event again with the same id and body")
    func replay() throws {
        let nginx = try NginxServer()
        defer { nginx.stop() }
        try nginx.makeFile("ntfy-replay.mp4", size: 64 << 10)
        let secret = WebhookReceiver.makeSecret()
        let receiver = try WebhookReceiver(secrets: [secret])
        defer { receiver.stop() }
        let daemon = try Self.daemon(notify: """
            notify:
              webhooks:
                - url: \(receiver.url)
                  secret: \(secret)
                  events: [task.completed]
              retry_delays: [200ms, 200ms, 200ms]
            """)
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let id = "task-unified-1761313744-ntfy0006"
        try Self.complete(daemon, id, url: nginx.url("ntfy-replay.mp4"))
        #expect(Self.wait {
            Self.deliveries(try Self.event(daemon, type: "task.completed", task: id)).first?["state"] as? String == "delivered"
        })
        let eventID = try #require(try Self.event(daemon, type: "task.completed", task: id)?["id"] as? String)
        let first = try receiver.deliveries()
        try #require(first.count == 1 && first[0].id == eventID, "\(first.map { $0.id ?? "" })")

        let replayed = try daemon.command(["events", "replay", eventID])
        #expect(replayed.status == 0, "\(replayed.error)")
        let seen = receiver.waitForDeliveries { $0.count >= 2 }
        try #require(seen.count == 2, "\(daemon.logLines().suffix(10))")
        #expect(seen[1].id == eventID, "the same webhook-id")
        #expect(seen[1].bodyBytes == seen[0].bodyBytes, "the same body")
        for delivery in seen { Self.expectWellFormed(delivery, verifiedBy: 1) }
        let stamps = seen.compactMap { $0.headers["webhook-timestamp"].flatMap { Int($0) } }
        #expect(stamps.count == 2 && stamps[1] >= stamps[0], "signed again when sent again: \(stamps)")
        #expect(Self.wait {
            Self.deliveries(try Self.event(daemon, type: "task.completed", task: id)).first?["state"] as? String == "delivered"
        })
        #expect(Self.logLines(daemon, "notify.delivered", eventID: eventID).count == 2, "\(daemon.logLines().suffix(10))")
    }
}
