import Foundation
import Glibc
import Ledger
import TestSupport
import Testing
import VideoAPI

/// `videohookd submit --wait` as an operator runs it, beside a real `serve`: the fake
/// video API takes the create and answers the verification, the test plays the API's
/// callbacks, the video comes from the tests' HTTPS file server, and the waiting command
/// runs as a child process, its stdout a pipe (plain lines) or a pseudo-terminal (the
/// redrawn line).
@Suite("submit --wait, end to end", .serialized)
final class SubmitWaitEndToEndTests {
    static let key = "sk-wait-secret-key-5d2e"
    let api: FakeVideoAPI

    init() throws {
        api = try FakeVideoAPI(requireKey: Self.key)
    }

    deinit { api.removeFiles() }

    func daemon(_ extra: String = "") throws -> DaemonProcess {
        try DaemonProcess(config: """
            \(extra)
            public_url: https://9.9.9.9:8443
            api:
              base_url: \(api.baseURL)
              ca_file: \(api.certificates.caFile)
              key: \(Self.key)
            download:
              ca_file: \(api.certificates.caFile)
              allow_internal: true
            disk_reserve_bytes: 0
            """)
    }

    static func newID(_ tag: String) -> String {
        "task-unified-\(Int(Date().timeIntervalSince1970))-\(tag)"
    }

    static func body(_ id: String, _ status: String, results: [String] = [], progress: Int? = nil,
                     error: (code: String, message: String)? = nil) -> String {
        TaskBodies.task(id, status: status, created: Int64(Date().timeIntervalSince1970), results: results,
                        progress: progress, estimatedTime: 30, error: error)
    }

    /// The API creates `id`; asked about it, it says `completed` with `video`.
    func scriptAPI(_ id: String, video: String? = nil) {
        var routes: [String: [FakeResponse]] = ["POST /v1/videos/generations": [.json(200, Self.body(id, "pending"))]]
        if let video {
            routes["GET /v1/tasks/\(id)"] = [.json(200, Self.body(id, "completed", results: [video]))]
        }
        api.script(routes)
    }

    /// `videohookd submit --wait ...` against the daemon's settings, running.
    func launchWait(_ daemon: DaemonProcess, _ extra: [String] = []) throws -> ChildProcess {
        let binary = try BuiltBinary.videohookd().path
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("VIDEOHOOKD_") }
        environment.removeValue(forKey: "STATE_DIRECTORY")
        return try ChildProcess(executable: binary,
                                arguments: [binary, "submit", "--wait", "--prompt", "A lighthouse at dusk",
                                            "--config", daemon.configFile] + extra,
                                environment: environment)
    }

    func post(_ daemon: DaemonProcess, _ body: String) throws {
        let answer = try daemon.connect().post(daemon.callbackPath, body: body)
        #expect(answer.status == 200, "\(answer.text)")
    }

    static func job(_ daemon: DaemonProcess, _ id: String) -> DownloadJobRecord? {
        (try? Ledger.openForReading(path: daemon.ledgerFile).task(id: TaskID(id)!))??.downloadJob
    }

    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
    }

    @Test("Piped: the id, then one plain line per phase (running 40%, downloading, verified), last `archived at PATH`; exit 0")
    func archivedPlain() throws {
        let server = try FileServer.shared()
        let sha256 = try server.makeFile("wait-e2e.bin", size: 2 << 20)
        let id = Self.newID("waitok01")
        // 32 chunks of 64 KiB, 0.15 s apart: a download of about 5 s, long enough to be seen.
        let video = "https://127.0.0.1:\(server.port)/files/wait-e2e.bin?key=\(uniqueKey("wait"))&chunk_bytes=65536&pace=0.15"
        scriptAPI(id, video: video)
        let daemon = try daemon()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()

        let waiting = try launchWait(daemon)
        defer { waiting.signal(SIGKILL) }
        #expect(Polling.until(timeout: 30) { waiting.standardOutput.contains("queued at the video API") },
                "\(waiting.standardOutput) \(waiting.standardError)")
        try post(daemon, Self.body(id, "processing", progress: 40))
        #expect(Polling.until(timeout: 30) { waiting.standardOutput.contains("running 40%") }, "\(waiting.standardOutput)")
        try post(daemon, Self.body(id, "completed", results: [video]))
        let status = waiting.waitForExit(timeout: 90)
        #expect(status == 0, "\(waiting.standardOutput)\n\(waiting.standardError)")

        let lines = Self.lines(waiting.standardOutput)
        let job = try #require(Self.job(daemon, id))
        let path = try #require(job.archivePath)
        #expect(lines.first == id)
        #expect(lines.contains("queued at the video API") && lines.contains("running 40%"), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("downloading") && $0.contains("of 2.0 MiB") }, "\(lines)")
        #expect(lines.dropLast().last == "verified \(2 << 20) bytes, sha256 \(sha256)", "\(lines)")
        #expect(lines.last == "archived at \(path)")
        #expect(try FileServer.sha256(of: path) == sha256)
        #expect(!waiting.standardOutput.contains("\r"), "a bar was drawn into a pipe")
        #expect(lines.count <= 2 + 11 + 11 + 6, "one line per phase and per 10 % at most: \(lines)")
        #expect(!waiting.standardError.contains("videohookd:"), "\(waiting.standardError)")
        #expect(!waiting.standardOutput.contains(Self.key) && !waiting.standardError.contains(Self.key))
    }

    @Test("The task fails at the API: exit 30, the API's code and message on stderr and as the last line")
    func failedTask() throws {
        let id = Self.newID("waitno01")
        scriptAPI(id)
        let daemon = try daemon()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let waiting = try launchWait(daemon)
        defer { waiting.signal(SIGKILL) }
        #expect(Polling.until(timeout: 30) { waiting.standardOutput.contains("queued at the video API") })
        try post(daemon, Self.body(id, "failed", error: ("content_policy_violation", "The prompt was refused")))
        #expect(waiting.waitForExit(timeout: 30) == 30, "\(waiting.standardOutput)\n\(waiting.standardError)")
        #expect(waiting.standardError.contains(
            "videohookd: task \(id) failed at the video API: content_policy_violation: The prompt was refused"))
        #expect(Self.lines(waiting.standardOutput).last == "failed: content_policy_violation: The prompt was refused")
    }

    @Test("On a terminal (a pseudo-terminal 50 columns wide): one line redrawn with \\r, never past column 49, then archived at PATH")
    func terminalBar() throws {
        let id = Self.newID("waitpty1")
        let video = api.baseURL + "/cdn/\(id).mp4"
        let videoFile = api.directory + "/pty.mp4"
        try Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }).write(to: URL(fileURLWithPath: videoFile))
        api.script(["POST /v1/videos/generations": [.json(200, Self.body(id, "pending"))],
                    "GET /v1/tasks/\(id)": [.json(200, Self.body(id, "completed", results: [video]))],
                    "GET /cdn/\(id).mp4": [.file(videoFile)]])
        let daemon = try daemon()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()

        // Python's pty module: the command's stdout is a terminal of 50 columns, read
        // here to its end; the wrapper exits with the command's status.
        let wrapper = """
            import fcntl, os, pty, struct, sys, termios
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(sys.argv[1], sys.argv[1:])
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 50, 0, 0))
            out = b""
            while True:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            _, status = os.waitpid(pid, 0)
            sys.stdout.buffer.write(out)
            sys.exit(os.waitstatus_to_exitcode(status))
            """
        let binary = try BuiltBinary.videohookd().path
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("VIDEOHOOKD_") }
        environment["TERM"] = "xterm"
        environment.removeValue(forKey: "COLUMNS")
        let waiting = try ChildProcess(executable: "/usr/bin/env",
                                       arguments: ["/usr/bin/env", "python3", "-c", wrapper, binary, "submit", "--wait",
                                                   "--prompt", "p", "--config", daemon.configFile],
                                       environment: environment)
        defer { waiting.signal(SIGKILL) }
        #expect(Polling.until(timeout: 30) { Self.job(daemon, id) == nil && (try? Ledger.openForReading(path: daemon.ledgerFile).task(id: TaskID(id)!)) != nil })
        Thread.sleep(forTimeInterval: 2) // a few redraws of the clock while queued
        try post(daemon, Self.body(id, "completed", results: [video]))
        #expect(waiting.waitForExit(timeout: 60) == 0, "\(waiting.standardOutput.debugDescription)")

        let output = waiting.standardOutput
        let path = try #require(Self.job(daemon, id)?.archivePath)
        #expect(output.components(separatedBy: "\r[").count - 1 >= 2, "the line was not redrawn: \(output.debugDescription)")
        #expect(output.contains("queued at the video API"))
        #expect(output.contains("\r\narchived at \(path)\r\n"), "\(output.debugDescription)")
        let segments = output.split(whereSeparator: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }).map(String.init)
        for segment in segments where !segment.hasPrefix("archived at ") {
            #expect(segment.count <= 49, "past column 49: \(segment.debugDescription)")
        }
        // At 50 columns the verified line drops its bar, keeps the digest's first 12 digits.
        #expect(segments.contains { $0.hasPrefix("verified 200000 bytes, sha256 ") && $0.contains("…") }, "\(segments)")
        #expect(!output.contains("\u{1B}"), "an escape sequence was written: \(output.debugDescription)")
    }

    @Test("On the shared PostgreSQL ledger (ledger.url): the same phases read from there, to archived at PATH")
    func sharedLedger() throws {
        let cluster = try PostgresCluster()
        try cluster.createDatabase("vh_wait")
        let url = "postgresql:///vh_wait?host=\(cluster.socketDirectory)&port=\(cluster.port)&user=postgres"
        let id = Self.newID("waitpg01")
        let video = api.baseURL + "/cdn/\(id).mp4"
        let videoFile = api.directory + "/pg.mp4"
        try Data((0..<150_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }).write(to: URL(fileURLWithPath: videoFile))
        api.script(["POST /v1/videos/generations": [.json(200, Self.body(id, "pending"))],
                    "GET /v1/tasks/\(id)": [.json(200, Self.body(id, "completed", results: [video]))],
                    "GET /cdn/\(id).mp4": [.file(videoFile)]])
        let daemon = try daemon("ledger:\n  url: \(url)")
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let waiting = try launchWait(daemon)
        defer { waiting.signal(SIGKILL) }
        #expect(Polling.until(timeout: 30) { waiting.standardOutput.contains("queued at the video API") },
                "\(waiting.standardOutput) \(waiting.standardError)")
        #expect(!waiting.standardOutput.contains("warning"), "the serve on PostgreSQL is seen: \(waiting.standardOutput)")
        try post(daemon, Self.body(id, "completed", results: [video]))
        #expect(waiting.waitForExit(timeout: 60) == 0, "\(waiting.standardOutput)\n\(waiting.standardError)")
        #expect(!FileManager.default.fileExists(atPath: daemon.ledgerFile), "no SQLite ledger was made beside it")
        let archived = try #require(Self.lines(waiting.standardOutput).last)
        #expect(archived.hasPrefix("archived at \(daemon.stateDirectory)/archive/") && archived.hasSuffix("/\(id).mp4"),
                "\(archived)")
        let path = String(archived.dropFirst("archived at ".count))
        #expect(FileManager.default.contents(atPath: path)?.count == 150_000)
    }

    @Test("No serve running: the warning at once, then exit 35 after --serve-grace, the task left recorded")
    func noServe() throws {
        let id = Self.newID("waitns01")
        scriptAPI(id)
        let daemon = try daemon() // never started
        defer { daemon.removeFiles() }
        let started = Date()
        let waiting = try launchWait(daemon, ["--serve-grace", "2s"])
        defer { waiting.signal(SIGKILL) }
        #expect(waiting.waitForExit(timeout: 30) == 35, "\(waiting.standardError)")
        #expect(Date().timeIntervalSince(started) >= 2)
        #expect(waiting.standardOutput.contains("warning: no serve is running for this ledger"))
        #expect(waiting.standardError.contains("no `videohookd serve` has been alive for this ledger for 2 s"))
        #expect(waiting.standardError.contains("videohookd show \(id)"))
        #expect((try Ledger.openForReading(path: daemon.ledgerFile).task(id: TaskID(id)!)) != nil)
    }

    @Test("--timeout: exit 34 once it passes, the task still queued and said to go on")
    func timeout() throws {
        let id = Self.newID("waitto01")
        scriptAPI(id)
        let daemon = try daemon()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let started = Date()
        let waiting = try launchWait(daemon, ["--timeout", "2s"])
        defer { waiting.signal(SIGKILL) }
        #expect(waiting.waitForExit(timeout: 30) == 34, "\(waiting.standardError)")
        #expect(Date().timeIntervalSince(started) >= 2)
        #expect(waiting.standardError.contains("stopped waiting after 0:02 (--timeout): task \(id) is queued at the video API"))
        #expect(!waiting.standardOutput.contains("warning"), "a serve runs: \(waiting.standardOutput)")
    }

    @Test("Ctrl-C (SIGINT): exit 130 at once, the task said to go on with `videohookd show ID`")
    func interrupted() throws {
        let id = Self.newID("waitint1")
        scriptAPI(id)
        let daemon = try daemon()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let waiting = try launchWait(daemon)
        defer { waiting.signal(SIGKILL) }
        #expect(Polling.until(timeout: 30) { waiting.standardOutput.contains("queued at the video API") })
        let sent = Date()
        waiting.signal(SIGINT)
        #expect(waiting.waitForExit(timeout: 10) == 130)
        #expect(Date().timeIntervalSince(sent) < 3)
        #expect(waiting.standardError.contains("SIGINT: stopped waiting. Task \(id) is not cancelled"))
        #expect(waiting.standardError.contains("`videohookd show \(id)`"))
    }

    @Test("--timeout or --serve-grace without --wait, --wait with --json, a bad duration: exit 2, nothing sent",
          arguments: [
              (["--timeout", "5s"], "--timeout and --serve-grace go with --wait"),
              (["--serve-grace", "5s"], "--timeout and --serve-grace go with --wait"),
              (["--wait", "--json"], "does not go with --wait"),
              (["--wait", "--timeout", "0"], "--timeout is \"0\""),
              (["--wait", "--serve-grace", "soon"], "--serve-grace is \"soon\""),
          ])
    func badWaitFlags(arguments: [String], message: String) throws {
        let daemon = try daemon()
        defer { daemon.removeFiles() }
        let result = try daemon.command(["submit", "--prompt", "p"] + arguments)
        #expect(result.status == 2, "\(result.error)")
        #expect(result.error.contains(message), "\(result.error)")
        #expect(api.requests().isEmpty)
    }

    @Test("--help documents --wait, its options and its exit statuses")
    func help() throws {
        let help = try BuiltBinary.run(["submit", "--help"]).output
        for text in ["--wait", "--timeout <duration>", "--serve-grace <duration>", "archived at PATH",
                     " 30  --wait: the task failed", " 33  --wait: the download failed for good", " 34  --wait: --timeout",
                     " 35  --wait: no `serve`", "130  --wait: Ctrl-C"] {
            #expect(help.contains(text), "\(text) missing from --help")
        }
    }
}
