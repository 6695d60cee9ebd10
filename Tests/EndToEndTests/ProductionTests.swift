import Foundation
import Glibc
import Ledger
import Synchronization
import TestSupport
import Testing
import TLS
import Transport
import VideoAPI

/// Running in production (issue 7, §7), each point against the real `videohookd serve`:
/// systemd's notify protocol and socket activation as systemd would drive them, signals,
/// `check-config`, the admin listener's metrics and readiness.
@Suite("Running in production, end to end", .serialized)
struct ProductionTests {
    enum NotifyAddress: String, CaseIterable, CustomTestStringConvertible {
        case path, abstract
        var testDescription: String { self == .path ? "a socket file" : "an abstract @name" }
    }

    // MARK: systemd's notify protocol

    @Test("notify: READY=1 once the listener answers, STATUS=, WATCHDOG=1 at half of WATCHDOG_USEC, STOPPING=1, exit 0",
          arguments: NotifyAddress.allCases)
    func notifyProtocol(_ kind: NotifyAddress) throws {
        let notify = try kind == .path ? NotifySocket.atPath() : NotifySocket.abstract()
        // A port chosen here, so that the test can knock on it the moment READY=1 arrives,
        // without waiting for the daemon to say where it listens.
        let port = try Self.freePort()
        var environment = notify.environment
        environment["WATCHDOG_USEC"] = "400000"
        let daemon = try DaemonProcess(listen: "127.0.0.1:\(port)", environment: environment)
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.launch()

        let untilReady = try #require(notify.receive(until: "READY=1", within: 30),
                                      "no READY=1; stderr: \(daemon.standardError)")
        // The only thing that may come before READY=1 is a watchdog ping.
        #expect(untilReady.dropLast().allSatisfy { $0.text == "WATCHDOG=1" }, "\(untilReady.map(\.text))")
        #expect(FileManager.default.fileExists(atPath: daemon.ledgerFile), "READY=1 before the ledger was open")
        let client = try TestClient.connectTLS(port: port, caFile: daemon.certificateFile)
        #expect(try client.get("/healthz").status == 200, "READY=1 before the listener answered")
        let id = "task-unified-1761313744-ntfy\(kind == .path ? "path" : "abst")"
        let token = try #require(try Self.waitForToken(daemon))
        #expect(try client.post("/callbacks/" + token, body: Self.completedBody(id)).status == 200)

        // 400 ms asked: a ping every 200 ms, so about 11 in 2.2 s. The range is wide
        // because two cores are shared with other builds; the median gap is the pace.
        let window = notify.receiveAll(during: 2.2)
        let pings = window.filter { $0.text == "WATCHDOG=1" }
        #expect((6...16).contains(pings.count), "\(pings.count) pings in 2.2 s")
        let gaps = zip(pings, pings.dropFirst()).map { $1.receivedAt - $0.receivedAt }.sorted()
        if !gaps.isEmpty {
            let median = gaps[gaps.count / 2]
            #expect(median > 0.12 && median < 0.32, "median gap \(median) s; expected about 0.2 s")
        }
        // The first STATUS= goes out a second after READY=1, then every 10 s.
        let status = try #require(window.first { $0.text.hasPrefix("STATUS=") }, "\(window.map(\.text))")
        #expect(status.text.hasPrefix("STATUS=callbacks: 1 accepted, 0 duplicate, 0 unrecognized, 0 rejected, "), "\(status.text)")
        #expect(status.text.hasSuffix(" open connections"))
        #expect(!window.contains { $0.text.contains("STOPPING") || $0.text.contains("READY") })

        // SIGHUP: RELOADING=1 with the monotonic time systemd 253 asks for, then READY=1
        // again, or systemd would leave the unit in "reloading".
        daemon.signal(SIGHUP)
        let reload = try #require(notify.receive(until: "READY=1", within: 10), "no READY=1 after SIGHUP")
        let reloading = try #require(reload.first { $0.assignments.contains("RELOADING=1") }, "\(reload.map(\.text))")
        #expect(reloading.assignments.count == 2)
        #expect(reloading.assignments.last?.hasPrefix("MONOTONIC_USEC=") == true)
        #expect(reloading.assignments.last.flatMap { UInt64($0.dropFirst("MONOTONIC_USEC=".count)) } != nil)

        daemon.signal(SIGTERM)
        let untilStopping = notify.receive(until: "STOPPING=1", within: 10)
        #expect(untilStopping != nil, "no STOPPING=1 after SIGTERM")
        #expect(daemon.waitForExit(timeout: 15) == 0)
    }

    @Test("notify: WATCHDOG_PID naming another process means no pings from this one, and READY=1 still")
    func watchdogForAnotherProcess() throws {
        let notify = try NotifySocket.atPath()
        var environment = notify.environment
        environment["WATCHDOG_USEC"] = "200000"
        environment["WATCHDOG_PID"] = String(getpid()) // the test runner: our parent, not the daemon
        let daemon = try DaemonProcess(environment: environment)
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.launch()
        let untilReady = try #require(notify.receive(until: "READY=1", within: 30), "\(daemon.standardError)")
        let after = notify.receiveAll(during: 1.0)
        #expect(!(untilReady + after).contains { $0.text == "WATCHDOG=1" })
        #expect(daemon.stop() == 0)
    }

    // MARK: Socket activation

    @Test("socket activation: a callback begun before videohookd ran is answered, and again across a restart")
    func socketActivation() throws {
        let folder = TemporaryDirectory(prefix: "videohookd-activation")
        let certificate = try TestCertificate.make(commonName: "activated", in: folder.path)
        // `listen` and `admin_listen` name ports other sockets hold: binding either would
        // fail, so the daemon starting at all shows it took systemd's descriptors instead.
        let taken = try Self.loopbackListener()
        defer { SystemSocket.close(taken.fd) }
        let takenAdmin = try Self.loopbackListener()
        defer { SystemSocket.close(takenAdmin.fd) }
        // systemd passes blocking sockets; the daemon must make them non-blocking.
        let callbacks = try Self.loopbackListener(blocking: true)
        defer { SystemSocket.close(callbacks.fd) }
        let admin = try Self.loopbackListener(blocking: true)
        defer { SystemSocket.close(admin.fd) }
        let token = "activation-token-" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let settings = """
            token: \(token)
            tls:
              cert_file: \(certificate.certificateFile)
              key_file: \(certificate.keyFile)
            """
        let daemon = try DaemonProcess(listen: "127.0.0.1:\(taken.port)", adminListen: "127.0.0.1:\(takenAdmin.port)",
                                       config: settings)
        defer { daemon.stop(); daemon.removeFiles() }

        // Before the daemon exists: the kernel completes the TCP connection from the
        // listener's backlog, and the client sends its TLS ClientHello. A TLS client can
        // send its request only once the server has answered the handshake, so the
        // callback follows as soon as videohookd answers; none of it is lost meanwhile.
        let first = EarlyCallback(port: callbacks.port, caFile: certificate.certificateFile,
                                  path: "/callbacks/" + token, body: Self.completedBody("task-unified-1761313744-early001"))
        Thread.sleep(forTimeInterval: 0.3)
        #expect(first.result == nil, "answered before the daemon started")

        // As the two socket units pass them: callbacks and admin, by name.
        try daemon.startActivated(listeners: [(callbacks.fd, "callbacks"), (admin.fd, "admin")])
        #expect(daemon.port == callbacks.port)
        #expect(daemon.adminPort == admin.port)
        let answer = try first.wait()
        #expect(answer.status == 200, "\(answer.text)")
        let metrics = try PrometheusText(try TestClient.connectPlain(port: admin.port).get("/metrics").text)
        #expect(metrics.value("videohookd_callbacks_total", ["outcome": "accepted"]) == 1)
        let activated = try #require(daemon.logLines().first { $0.contains("event=listeners.activated") })
        #expect(activated.contains("fd 3") && activated.contains("callbacks") && activated.contains("fd 4") && activated.contains("admin"))
        let started = try #require(daemon.logLines().first { $0.contains("event=serve.started") })
        #expect(started.contains("socket_activation=true"))
        // With no public_url, the guessed callback URL carries the port of the socket
        // systemd passed, not the one `listen` names.
        #expect(started.contains(":\(callbacks.port)/callbacks/<token>"), "\(started)")
        #expect(daemon.stop() == 0)

        // A restart (`systemctl restart videohookd.service`): the socket stays open in its
        // owner (here the test, under systemd the socket unit), so a callback that arrives
        // while no daemon runs waits in the kernel for the next one. This time only the
        // callback socket is passed: the admin listener is bound from admin_listen.
        let second = EarlyCallback(port: callbacks.port, caFile: certificate.certificateFile,
                                   path: "/callbacks/" + token, body: Self.completedBody("task-unified-1761313744-early002"))
        Thread.sleep(forTimeInterval: 0.3)
        let restarted = try DaemonProcess(reuse: daemon.directory)
        defer { restarted.stop() }
        try restarted.writeConfig(listen: "127.0.0.1:\(taken.port)", adminListen: "127.0.0.1:0", settings)
        try restarted.startActivated(listeners: [(callbacks.fd, "callbacks")])
        #expect(try second.wait().status == 200)
        #expect(restarted.adminPort != admin.port)
        #expect(try TestClient.connectPlain(port: restarted.adminPort).get("/healthz").status == 200)

        let ledger = try Ledger.openForReading(path: restarted.ledgerFile)
        #expect(try ledger.task(id: TaskID("task-unified-1761313744-early001")!)?.task.status == .completed)
        #expect(try ledger.task(id: TaskID("task-unified-1761313744-early002")!)?.task.status == .completed)
        #expect(restarted.stop() == 0)
    }

    // MARK: SIGHUP

    @Test("SIGHUP swaps the certificate: new handshakes see the new one, an open connection stays and is answered")
    func sighupSwapsCertificate() throws {
        let folder = TemporaryDirectory(prefix: "videohookd-certs")
        let firstPair = try TestCertificate.make(commonName: "first", in: folder.file("made"))
        let secondPair = try TestCertificate.make(commonName: "second", in: folder.file("made"))
        let certificateFile = folder.file("live/fullchain.pem")
        let keyFile = folder.file("live/privkey.pem")
        try FileManager.default.createDirectory(atPath: folder.file("live"), withIntermediateDirectories: true)
        try firstPair.install(certificateFile: certificateFile, keyFile: keyFile)
        let daemon = try DaemonProcess(config: """
            tls:
              cert_file: \(certificateFile)
              key_file: \(keyFile)
            """)
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()

        let before = try TestClient.connectTLS(port: daemon.port, caFile: firstPair.certificateFile)
        #expect(before.tls?.peerCommonName == "first")
        #expect(try before.get("/healthz").status == 200)

        try secondPair.install(certificateFile: certificateFile, keyFile: keyFile)
        daemon.signal(SIGHUP)
        try Self.waitForLogLine(daemon, "event=tls.reloaded")
        let after = try TestClient.connectTLS(port: daemon.port, caFile: secondPair.certificateFile)
        #expect(after.tls?.peerCommonName == "second")
        #expect(try after.get("/healthz").status == 200)
        // The connection opened before the reload is still open, on its old session.
        #expect(try before.get("/healthz").status == 200)
        #expect(before.tls?.peerCommonName == "first")
        // A client that trusts only the old certificate can no longer complete a handshake.
        #expect(throws: (any Error).self) { try TestClient.connectTLS(port: daemon.port, caFile: firstPair.certificateFile) }

        // A bad renewal: the old certificate stays, and the log says why.
        try "not a certificate\n".write(toFile: certificateFile, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        let failure = try Self.waitForLogLine(daemon, "event=tls.reload_failed")
        #expect(failure.contains("level=error"))
        #expect(failure.contains("kept="), "\(failure)")
        #expect(failure.contains(certificateFile), "the reason should name the file: \(failure)")
        let stillSecond = try TestClient.connectTLS(port: daemon.port, caFile: secondPair.certificateFile)
        #expect(stillSecond.tls?.peerCommonName == "second")
        #expect(try stillSecond.get("/healthz").status == 200)
        #expect(try before.get("/healthz").status == 200)
        #expect(try after.get("/healthz").status == 200)
        #expect(daemon.stop() == 0)
    }

    @Test("SIGHUP applies live settings (log level, body limit), keeps a bad file out, and names keys that need a restart")
    func sighupAppliesLiveSettings() throws {
        let daemon = try DaemonProcess(config: "log_level: info")
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let token = daemon.token
        // About 3000 bytes: under the default 1 MiB, over the 2 KiB set below.
        let padding = String(repeating: "p", count: 3000)
        let client = try daemon.connect()
        #expect(try client.post(daemon.callbackPath, body: Self.completedBody("task-unified-1761313744-live0001", padding: padding)).status == 200)
        #expect(daemon.logLines().contains { $0.contains("event=callback.accepted") && $0.contains("live0001") })

        try daemon.writeConfig(listen: "127.0.0.1:1", """
            log_level: warning
            limits:
              max_body_bytes: 2KiB
            """)
        daemon.signal(SIGHUP)
        let needRestart = try Self.waitForLogLine(daemon, "event=settings.need_restart")
        #expect(needRestart.contains("keys=listen"), "\(needRestart)")

        let large = try daemon.connect()
        let refused = try large.post(daemon.callbackPath, body: Self.completedBody("task-unified-1761313744-live0002", padding: padding))
        #expect(refused.status == 413, "\(refused.text)")
        // Still on the port it had: `listen` waits for a restart.
        let small = try daemon.connect()
        #expect(try small.post("/callbacks/" + token, body: Self.completedBody("task-unified-1761313744-live0003")).status == 200)
        // At level warning the info line of an accepted callback is no longer written.
        let lines = daemon.logLines()
        #expect(!lines.contains { $0.contains("live0003") }, "\(lines.filter { $0.contains("live0003") })")

        // A file that does not load keeps the settings in force, and says why.
        try daemon.writeConfig("limits:\n  max_body_byte: 1MiB\n")
        daemon.signal(SIGHUP)
        let failed = try Self.waitForLogLine(daemon, "event=settings.reload_failed")
        #expect(failed.contains("max_body_byte"), "\(failed)")
        let stillLimited = try daemon.connect()
        #expect(try stillLimited.post(daemon.callbackPath, body: Self.completedBody("task-unified-1761313744-live0004", padding: padding)).status == 413)
        #expect(daemon.stop() == 0)
    }

    @Test("SIGHUP with a new limits.max_connections keeps the old cap until a restart, as the log says")
    func sighupKeepsConnectionCap() throws {
        let daemon = try DaemonProcess(config: "limits:\n  max_connections: 2\n")
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        // Two connections answered and held: the cap is reached.
        var held: [TestClient] = []
        for _ in 0..<2 {
            let client = try daemon.connect()
            #expect(try client.get("/healthz").status == 200)
            held.append(client)
        }
        let overBefore = try daemon.connect()
        #expect(try overBefore.get("/healthz").status == 503, "the cap of 2 should refuse a third connection")

        // With a live limit changed too, so that the reload does update the server.
        try daemon.writeConfig("limits:\n  max_connections: 50\n  idle_timeout: 45s\n")
        daemon.signal(SIGHUP)
        let needRestart = try Self.waitForLogLine(daemon, "event=settings.need_restart")
        #expect(needRestart.contains("limits.max_connections"), "\(needRestart)")
        let reloaded = try Self.waitForLogLine(daemon, "event=serve.reloaded")
        #expect(reloaded.contains("applied=limits.idle_timeout"), "\(reloaded)")

        // Still two held: the third is refused as before the reload, not admitted under 50.
        let overAfter = try daemon.connect()
        let answer = try overAfter.get("/healthz")
        #expect(answer.status == 503, "the new cap took effect without a restart: \(answer.status)")
        #expect(answer.headers["retry-after"] != nil)
        for client in held { #expect(try client.get("/healthz").status == 200) }
        held.removeAll()
        #expect(daemon.stop() == 0)
    }

    @Test("limits.max_connections_per_address: a third connection from 127.0.0.1 is closed at accept and counted; a freed slot serves again")
    func perAddressCap() throws {
        let daemon = try DaemonProcess(config: "limits:\n  max_connections_per_address: 2\n")
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        var held: [TestClient] = []
        for _ in 0..<2 {
            let client = try daemon.connect()
            #expect(try client.get("/healthz").status == 200)
            held.append(client)
        }
        // Closed before any TLS work: ended by the server before the client says a word.
        #expect(try TestClient.connectPlain(port: daemon.port, ioTimeoutMilliseconds: 3000).isEndedByServer())
        let metrics = try PrometheusText(try TestClient.connectPlain(port: daemon.adminPort).get("/metrics").text)
        #expect(metrics.value("videohookd_connections_dropped_total", ["reason": "address_cap"]) == 1)
        let line = try Self.waitForLogLine(daemon, "event=connection.address_cap")
        #expect(line.contains("peer=127.0.0.1") && line.contains("limit=2"), "\(line)")
        held.removeFirst()
        // Once the server has seen it close (a TLS client refused at accept would be
        // killed by SIGPIPE writing its ClientHello), the address has a slot again.
        var open = 2.0
        for _ in 0..<100 where open > 1 {
            Thread.sleep(forTimeInterval: 0.05)
            let text = try TestClient.connectPlain(port: daemon.adminPort).get("/metrics").text
            open = try PrometheusText(text).value("videohookd_open_connections", [:]) ?? 2
        }
        #expect(open == 1)
        #expect(try daemon.connect().get("/healthz").status == 200)
        #expect(daemon.stop() == 0)
    }

    @Test("a log file on a full disk (/dev/full): said once on stderr, the dropped lines counted in the metrics, callbacks still served")
    func logOnAFullDisk() throws {
        let daemon = try DaemonProcess(config: "log_file: /dev/full\n")
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        for index in 0..<3 {
            let answer = try daemon.connect().post(daemon.callbackPath,
                                                   body: Self.completedBody("task-unified-1761313744-full000\(index)"))
            #expect(answer.status == 200)
        }
        let metrics = try PrometheusText(try TestClient.connectPlain(port: daemon.adminPort).get("/metrics").text)
        let dropped = try #require(metrics.value("videohookd_log_lines_dropped_total"))
        #expect(dropped >= 3, "serve.started and the callbacks' lines at least")
        #expect(daemon.stop() == 0)
        let notices = daemon.standardError.split(separator: "\n").filter { $0.contains("cannot write the log file /dev/full") }
        #expect(notices.count == 1, "\(daemon.standardError)")
        #expect(notices.first?.contains("No space left on device") == true)
    }

    // MARK: SIGTERM

    @Test("SIGTERM with a request in flight: it is answered 200 with Connection: close, idle keep-alive closed, exit 0")
    func sigtermAnswersRequestsInFlight() throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let body = Array(Self.completedBody("task-unified-1761313744-inflight").utf8)
        let half = body.count / 2

        let inFlight = try daemon.connect()
        try inFlight.send("POST \(daemon.callbackPath) HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                          + "Content-Length: \(body.count)\r\n\r\n")
        try inFlight.send(Array(body[..<half]))
        let idle = try daemon.connect()
        #expect(try idle.get("/healthz").status == 200)

        let signalled = Date()
        daemon.signal(SIGTERM)
        // The idle keep-alive connection is closed by the stop; once it is, the stop has begun.
        // A clean end: close_notify, then the end of the stream, not a truncation.
        #expect(idle.readsEndOfStream(), "the idle keep-alive connection did not end cleanly after SIGTERM")
        try inFlight.send(Array(body[half...]))
        let answer = try inFlight.readResponse()
        #expect(answer.status == 200, "\(answer.text)")
        #expect(answer.headers["connection"]?.lowercased() == "close")
        #expect(inFlight.readsEndOfStream())

        let status = daemon.waitForExit(timeout: 15)
        #expect(status == 0)
        #expect(Date().timeIntervalSince(signalled) < 15)
        let lines = daemon.logLines()
        #expect(lines.contains { $0.contains("event=serve.stopping") && $0.contains("signal=SIGTERM") })
        #expect(lines.last?.contains("event=serve.stopped") == true, "\(lines.suffix(3))")
        let ledger = try Ledger.openForReading(path: daemon.ledgerFile)
        #expect(try ledger.task(id: TaskID("task-unified-1761313744-inflight")!)?.task.status == .completed)
    }

    @Test("SIGTERM with a client that stops mid-body: 408 at body_timeout, and exit 0 within the bound")
    func sigtermWithAStalledClient() throws {
        let daemon = try DaemonProcess(config: "limits:\n  body_timeout: 1s\n")
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let stalled = try daemon.connect()
        try stalled.send("POST \(daemon.callbackPath) HTTP/1.1\r\nHost: localhost\r\nContent-Length: 500\r\n\r\n{\"id\":")
        Thread.sleep(forTimeInterval: 0.2)
        let signalled = Date()
        daemon.signal(SIGTERM)
        // The client never sends the rest, nor closes: the stop waits for the body
        // timeout (1 s), answers 408, and gives the answer 2 s to be read before closing.
        let answer = try stalled.readResponse()
        #expect(answer.status == 408)
        #expect(daemon.waitForExit(timeout: 15) == 0)
        let elapsed = Date().timeIntervalSince(signalled)
        #expect(elapsed < 6, "took \(elapsed) s to stop")
    }

    @Test("SIGINT stops the daemon as SIGTERM does")
    func sigintStops() throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        #expect(daemon.stop(signal: SIGINT) == 0)
        #expect(daemon.logLines().contains { $0.contains("event=serve.stopping") && $0.contains("signal=SIGINT") })
        #expect(daemon.logLines().last?.contains("event=serve.stopped") == true)
    }

    @Test("the running daemon's threads carry names that top -H and ps -L show")
    func threadNames() throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let names = ThreadNames.of(pid: try #require(daemon.pid))
        for expected in ["vh-loop-0", "vh-admin-0", "vh-ledger", "vh-download-0"] {
            #expect(names.contains(expected), "\(expected) among \(names.sorted())")
        }
    }

    @Test("one event loop per core the daemon may run on: as many as the test's own cores, one under taskset -c 0")
    func loopsFollowAffinity() throws {
        func loops(_ names: Set<String>) -> Int { names.filter { $0.hasPrefix("vh-loop-") }.count }
        // This process's cores, as the kernel lists them ("0-1", "0,2-3").
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let list = try #require(status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") }?
            .split(separator: ":")[1].trimmingCharacters(in: .whitespaces))
        let cores = list.split(separator: ",").reduce(0) { count, range in
            let ends = range.split(separator: "-").compactMap { Int($0) }
            return count + (ends.count == 2 ? ends[1] - ends[0] + 1 : 1)
        }
        for (prefix, expected) in [([String](), cores), (["/usr/bin/taskset", "-c", "0"], 1)] {
            let daemon = try DaemonProcess()
            defer { daemon.stop(); daemon.removeFiles() }
            try daemon.start(prefix: prefix)
            let pid = try #require(daemon.pid)
            // A loop names itself when its thread first runs.
            var names: Set<String> = []
            _ = Polling.until(timeout: 10, every: 0.05) {
                names = ThreadNames.of(pid: pid)
                return loops(names) >= expected
            }
            #expect(loops(names) == expected, "\(prefix): \(names.sorted())")
        }
    }

    // MARK: check-config

    @Test("check-config: the documented example and a small file are ok, with the effective values; exit 0")
    func checkConfigGoodFiles() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/videohookd.yaml").path
        let documented = try BuiltBinary.run(["check-config", "--config", example])
        #expect(documented.status == 0, "\(documented.error)")
        #expect(documented.output.hasPrefix("ok: \(example)\n"))
        #expect(documented.output.contains("  listen = 0.0.0.0:8443\n"))
        #expect(documented.output.contains("  limits.max_body_bytes = 1MiB\n"))

        let folder = TemporaryDirectory(prefix: "videohookd-config")
        let file = folder.file("small.yaml")
        try "listen: 127.0.0.1:9443\nlimits:\n  idle_timeout: 90s\ndownload:\n  concurrency: 2\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let small = try BuiltBinary.run(["check-config", "--config", file])
        #expect(small.status == 0)
        for line in ["listen = 127.0.0.1:9443", "limits.idle_timeout = 90s", "download.concurrency = 2", "admin_listen = 127.0.0.1:9090"] {
            #expect(small.output.contains("  \(line)\n"), "\(line) missing in \(small.output)")
        }
        // $VIDEOHOOKD_CONFIG names the file when --config is absent.
        let byVariable = try BuiltBinary.run(["check-config"], environment: ["VIDEOHOOKD_CONFIG": file])
        #expect(byVariable.status == 0)
        #expect(byVariable.output.hasPrefix("ok: \(file)\n"))
    }

    @Test("check-config: an unknown key with its line, a wrong type, a section given a value; every problem, exit 1")
    func checkConfigBadFile() throws {
        let folder = TemporaryDirectory(prefix: "videohookd-config")
        let file = folder.file("bad.yaml")
        try "listen: 0.0.0.0:8443\nlog_level: info\nlistn: 1.2.3.4:8443\ndownload:\n  concurrency: four\nlimits: 5\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let result = try BuiltBinary.run(["check-config", "--config", file])
        #expect(result.status == 1)
        #expect(result.output.isEmpty)
        let problems = result.error.split(separator: "\n").map(String.init)
        #expect(problems == [
            "\(file):3: listn: unknown key; did you mean listen?",
            "\(file):5: download.concurrency: expected a whole number from 1 to 64, got \"four\"",
            "\(file):6: limits: is a section; expected keys under it: max_body_bytes, max_header_bytes, max_header_count, "
                + "max_uri_bytes, handshake_timeout, header_timeout, body_timeout, idle_timeout, max_connections, "
                + "max_connections_per_address",
        ])

        let notYAML = folder.file("broken.yaml")
        try "listen: [0.0.0.0:8443\n".write(toFile: notYAML, atomically: true, encoding: .utf8)
        let broken = try BuiltBinary.run(["check-config", "--config", notYAML])
        #expect(broken.status == 1)
        #expect(broken.error.hasPrefix("\(notYAML):"), "\(broken.error)")
        #expect(broken.error.contains("not valid YAML"))

        let missing = try BuiltBinary.run(["check-config", "--config", folder.file("none.yaml")])
        #expect(missing.status == 1)
        #expect(missing.error.contains("cannot read the config file"))

        // serve refuses the same file with the same words, before binding anything.
        let serve = try BuiltBinary.run(["serve", "--config", file])
        #expect(serve.status == 1)
        #expect(serve.error.contains("\(file):3: listn: unknown key"))
    }

    @Test("check-config: VIDEOHOOKD_* override the file and show in the summary; an unknown or bad one is refused")
    func checkConfigEnvironment() throws {
        let folder = TemporaryDirectory(prefix: "videohookd-config")
        let file = folder.file("base.yaml")
        try "listen: 0.0.0.0:8443\nlimits:\n  max_body_bytes: 1MiB\n".write(toFile: file, atomically: true, encoding: .utf8)
        let certificate = try TestCertificate.make(commonName: "environment", in: folder.path)
        let overridden = try BuiltBinary.run(["check-config", "--config", file], environment: [
            "VIDEOHOOKD_LISTEN": "127.0.0.1:9443",
            "VIDEOHOOKD_LIMITS_MAX_BODY_BYTES": "2MiB",
            "VIDEOHOOKD_TLS_CERT_FILE": certificate.certificateFile,
            "VIDEOHOOKD_TLS_KEY_FILE": certificate.keyFile,
            "VIDEOHOOKD_API_KEY": "sk-not-for-the-terminal-123",
        ])
        #expect(overridden.status == 0, "\(overridden.error)")
        for line in ["listen = 127.0.0.1:9443", "limits.max_body_bytes = 2MiB",
                     "tls.cert_file = \(certificate.certificateFile)", "api.key = (set)"] {
            #expect(overridden.output.contains("  \(line)\n"), "\(line) missing in \(overridden.output)")
        }
        #expect(!overridden.output.contains("sk-not-for-the-terminal-123"))

        let typo = try BuiltBinary.run(["check-config", "--config", file], environment: ["VIDEOHOOKD_LISTN": "127.0.0.1:9443"])
        #expect(typo.status == 1)
        #expect(typo.error == "environment VIDEOHOOKD_LISTN: names no setting; did you mean VIDEOHOOKD_LISTEN?\n")

        let badValue = try BuiltBinary.run(["check-config", "--config", file], environment: ["VIDEOHOOKD_DOWNLOAD_CONCURRENCY": "0"])
        #expect(badValue.status == 1)
        #expect(badValue.error.hasPrefix("environment VIDEOHOOKD_DOWNLOAD_CONCURRENCY: download.concurrency: "), "\(badValue.error)")

        // A token serve would refuse (under 128 bits) is refused here too, not passed as ok.
        let shortToken = String(repeating: "t", count: 21)
        let short = try BuiltBinary.run(["check-config", "--config", file], environment: ["VIDEOHOOKD_TOKEN": shortToken])
        #expect(short.status == 1)
        #expect(short.error.hasPrefix("environment VIDEOHOOKD_TOKEN: token: expected 22 to 256 "), "\(short.error)")
        #expect(!short.error.contains(shortToken))
    }

    // MARK: The admin listener

    @Test("/metrics is Prometheus text and counts a callback; /healthz and /readyz answer 200")
    func metricsCountACallback() throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let admin = try TestClient.connectPlain(port: daemon.adminPort)
        let healthz = try admin.get("/healthz")
        #expect(healthz.status == 200)
        #expect(healthz.text == #"{"status":"ok"}"#)
        let readyz = try admin.get("/readyz")
        #expect(readyz.status == 200, "\(readyz.text)")
        #expect(readyz.text == #"{"status":"ready"}"#)

        let scrape = try admin.get("/metrics")
        #expect(scrape.status == 200)
        #expect(scrape.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        let before = try PrometheusText(scrape.text)
        #expect(before.families["videohookd_callbacks_total"]?.type == "counter")
        #expect(before.families["videohookd_callbacks_total"]?.help?.isEmpty == false)
        #expect(before.value("videohookd_callbacks_total", ["outcome": "accepted"]) == 0)
        #expect(before.value("videohookd_callback_commit_seconds_count") == 0)
        for family in ["videohookd_download_jobs", "videohookd_downloaded_bytes_total", "videohookd_oldest_waiting_link_seconds_left",
                       "videohookd_tls_handshake_failures_total", "videohookd_open_connections"] {
            #expect(before.families[family] != nil, "\(family) missing")
        }

        let client = try daemon.connect()
        #expect(try client.post(daemon.callbackPath, body: Self.completedBody("task-unified-1761313744-metric01")).status == 200)
        #expect(try client.post(daemon.callbackPath, body: Self.completedBody("task-unified-1761313744-metric01")).status == 200)
        let plain = try TestClient.connectPlain(port: daemon.port)
        #expect(try plain.get("/healthz").status == 400) // plain HTTP on the TLS port

        let after = try PrometheusText(try admin.get("/metrics").text)
        #expect(after.value("videohookd_callbacks_total", ["outcome": "accepted"]) == 1)
        #expect(after.value("videohookd_callbacks_total", ["outcome": "duplicate"]) == 1)
        // Both went through the ledger: the duplicate is a commit that changed nothing.
        #expect(after.value("videohookd_callback_commit_seconds_count") == 2)
        // One job for the completed task; the downloader may already have taken it up
        // (the example host does not resolve here), so its state is not fixed.
        let jobs = ["queued", "running", "done", "failed"].compactMap { after.value("videohookd_download_jobs", ["state": $0]) }
        #expect(jobs.reduce(0, +) == 1)
        #expect(after.value("videohookd_tls_handshake_failures_total") == 1)
        #expect((after.value("videohookd_open_connections") ?? 0) >= 1)
    }

    @Test("/readyz answers 503 naming the check: the archive folder gone, the disk below its reserve")
    func readinessNamesTheFailedCheck() throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let admin = try TestClient.connectPlain(port: daemon.adminPort)
        #expect(try admin.get("/readyz").status == 200)
        // The tests run as root, for whom chmod 0500 does not stop writes (access(2) says
        // yes): a folder that is gone is the unwritable archive that root also meets.
        let archive = daemon.stateDirectory + "/archive"
        try FileManager.default.removeItem(atPath: archive)
        let gone = try admin.get("/readyz")
        #expect(gone.status == 503)
        #expect(gone.text.contains(#""archive":"#), "\(gone.text)")
        #expect(!gone.text.contains(#""ledger":"#))
        try FileManager.default.createDirectory(atPath: archive, withIntermediateDirectories: false)
        #expect(try admin.get("/readyz").status == 200)
        #expect(daemon.stop() == 0)

        // A reserve larger than any free space here: the disk check fails, and only it.
        let reserved = try DaemonProcess(config: "disk_reserve_bytes: 1000TiB")
        defer { reserved.stop(); reserved.removeFiles() }
        try reserved.start()
        let probe = try TestClient.connectPlain(port: reserved.adminPort).get("/readyz")
        #expect(probe.status == 503)
        #expect(probe.text.hasPrefix(#"{"status":"not ready","failed":{"disk":"#), "\(probe.text)")
        #expect(probe.text.contains("below disk_reserve_bytes"))
        // Alive all the same: /healthz is about the process, not its disk.
        #expect(try TestClient.connectPlain(port: reserved.adminPort).get("/healthz").status == 200)
    }

    @Test("the strict Prometheus reader refuses what is not the text format")
    func prometheusReaderIsStrict() {
        let good = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\",y=\"q\\\"\"} 3\n"
        #expect(throws: Never.self) { try PrometheusText(good) }
        let bad = [
            "a_total 1\n",                                                        // no TYPE
            "# TYPE a_total counter\na_total{x=1} 1\n",                           // unquoted label value
            "# TYPE a_total counter\na_total one\n",                              // not a number
            "# TYPE a_total counter\na_total 1",                                  // no final line feed
            "# TYPE a counter\n# TYPE b gauge\nb 1\na 2\n",                       // a family split
            "# TYPE a counter\n# TYPE a counter\na 1\n",                          // two TYPEs
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", // not cumulative
            "# TYPE a wobbly\na 1\n",                                             // unknown type
        ]
        for text in bad {
            #expect(throws: PrometheusText.FormatError.self, "\(text)") { try PrometheusText(text) }
        }
    }

    // MARK: Backup

    @Test("the README's ledger backup (sqlite3 .backup) copies every answered callback while serve runs")
    func ledgerBackupWhileServing() throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let ids = (0..<20).map { String(format: "task-unified-1761313744-bkup%04d", $0) }
        let client = try daemon.connect()
        for id in ids { #expect(try client.post(daemon.callbackPath, body: Self.completedBody(id)).status == 200) }

        let copy = daemon.directory + "/backup/ledger.sqlite"
        try FileManager.default.createDirectory(atPath: daemon.directory + "/backup", withIntermediateDirectories: true)
        let backup = Process()
        backup.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        backup.arguments = [daemon.ledgerFile, ".backup '\(copy)'"]
        try backup.run()
        backup.waitUntilExit()
        #expect(backup.terminationStatus == 0)
        // Still serving, and the copy is a whole ledger on its own (no -wal beside it).
        #expect(try client.post(daemon.callbackPath, body: Self.completedBody("task-unified-1761313744-bkupnext")).status == 200)
        #expect(!FileManager.default.fileExists(atPath: copy + "-wal"))
        let ledger = try Ledger.openForReading(path: copy)
        #expect(try ledger.counts().tasks == ids.count)
        #expect(try ledger.counts().downloadJobs == ids.count)
    }

    // MARK: Helpers

    static func completedBody(_ id: String, padding: String? = nil) -> String {
        let extra = padding.map { #","note":"\#($0)""# } ?? ""
        return #"{"id":"\#(id)","object":"video.generation.task","model":"seedance-1.5-pro","created":1761313744,"status":"completed","progress":100,"results":["https://media.example.com/v/\#(id).mp4"],"type":"video"\#(extra)}"#
    }

    /// Waits for a log line holding `text` and returns it.
    @discardableResult
    static func waitForLogLine(_ daemon: DaemonProcess, _ text: String, timeout: TimeInterval = 10) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let line = daemon.logLines().last(where: { $0.contains(text) }) { return line }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw DaemonError("no log line with \(text) in \(timeout)s; last lines: \(daemon.logLines().suffix(5))")
    }

    /// The token file is written during start, before READY=1.
    static func waitForToken(_ daemon: DaemonProcess) throws -> String? {
        for _ in 0..<100 where daemon.token.isEmpty { Thread.sleep(forTimeInterval: 0.02) }
        return daemon.token.isEmpty ? nil : daemon.token
    }

    /// A port that was free a moment ago.
    static func freePort() throws -> UInt16 {
        let listener = try loopbackListener()
        SystemSocket.close(listener.fd)
        return listener.port
    }

    /// A listening TCP socket on 127.0.0.1 and a port the kernel picks.
    static func loopbackListener(blocking: Bool = false) throws -> (fd: Int32, port: UInt16) {
        let fd = try SystemSocket.listen(on: SocketAddress(parsing: "127.0.0.1:0"))
        if blocking { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) }
        return (fd, try SystemSocket.localAddress(fd).port)
    }
}

/// A callback sent to a port before anything serves it: the connection and the TLS
/// ClientHello go out at once on a thread of their own, and the request as soon as the
/// handshake completes; `wait()` gives the answer.
final class EarlyCallback: Sendable {
    private let outcome = Mutex<Result<TestResponse, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(port: UInt16, caFile: String, path: String, body: String) {
        Thread.detachNewThread { [self] in
            let result = Result<TestResponse, any Error> {
                let client = try TestClient.connectTLS(port: port, caFile: caFile, ioTimeoutMilliseconds: 30_000)
                return try client.post(path, body: body)
            }
            outcome.withLock { $0 = result }
            done.signal()
        }
    }

    var result: Result<TestResponse, any Error>? { outcome.withLock { $0 } }

    func wait(timeout: TimeInterval = 30) throws -> TestResponse {
        guard done.wait(timeout: .now() + timeout) == .success, let result else {
            throw DaemonError("the early callback got no answer in \(timeout)s")
        }
        return try result.get()
    }
}
