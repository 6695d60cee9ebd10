import Foundation
import Glibc

/// moto's S3 server (PyPI `moto[server]`) on 127.0.0.1, plain http, with real Signature
/// V4 checks: started with `INITIAL_NO_AUTH_ACTION_COUNT=3`, whose three unchecked
/// requests `moto_s3_setup.py` spends on an IAM user with an allow-all policy and its
/// access key; from then on a wrong key or signature is refused as AWS refuses it. The
/// buckets asked for are made with that key. It runs on the interpreter of the tests'
/// venv (`TEST_VENV_PYTHON`, with boto3 and moto), and is killed by `stop()`, when the
/// object goes, or when this process dies (`moto_s3_server.py` watches its parent).
public final class MotoS3Server: @unchecked Sendable {
    // @unchecked: set up by `init` on the test's thread; the server is a process.

    /// Spawned with default signal dispositions and an empty mask (``ChildProcess``).
    private var process: ChildProcess?
    public private(set) var port: UInt16 = 0
    public let accessKeyID: String
    public let secretAccessKey: String
    public let region = "us-east-1"
    private let python: String

    /// `http://127.0.0.1:<port>`.
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    public init(buckets: [String]) throws {
        let python = try WebhookReceiver.python()
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        var started: (ChildProcess, UInt16)?
        var lastError = ""
        for _ in 0..<3 {
            let port = try LoopbackPort.free()
            let process = try ChildProcess(
                executable: python,
                arguments: [python, folder.appendingPathComponent("moto_s3_server.py").path, "-H", "127.0.0.1", "-p", String(port)],
                environment: ["PATH": "/usr/bin:/bin", "INITIAL_NO_AUTH_ACTION_COUNT": "3", "HOME": NSTemporaryDirectory(),
                              "AWS_EC2_METADATA_DISABLED": "true"])
            if Self.waitUntilAccepting(port, process) {
                started = (process, port)
                break
            }
            Self.kill(process)
            lastError = process.standardError
            guard lastError.contains("Address already in use") else {
                throw DaemonError("moto did not start on 127.0.0.1:\(port): \(lastError)")
            }
        }
        guard let (process, port) = started else { throw DaemonError("moto did not start on a free port: \(lastError)") }
        let printed: String
        do {
            printed = try ProcessRunner.run(python, [folder.appendingPathComponent("moto_s3_setup.py").path,
                                                     "http://127.0.0.1:\(port)"] + buckets)
        } catch {
            Self.kill(process)
            throw DaemonError("moto_s3_setup.py failed: \(error); moto said: \(process.standardError.suffix(2000))")
        }
        struct Key: Decodable { var accessKeyID: String; var secretAccessKey: String }
        let key = try JSONDecoder().decode(Key.self, from: Data(printed.utf8))
        self.python = python
        self.process = process
        self.port = port
        accessKeyID = key.accessKeyID
        secretAccessKey = key.secretAccessKey
    }

    deinit { stop() }

    /// moto needs no graceful stop; SIGKILL also reaches it whatever the test runner
    /// has blocked.
    public func stop() {
        guard let process else { return }
        Self.kill(process)
        self.process = nil
    }

    private static func kill(_ process: ChildProcess) {
        process.signal(SIGKILL)
        _ = process.waitForExit(timeout: 5)
    }

    /// What moto logged (one line per request, and tracebacks).
    public var log: String { process?.standardError ?? "" }

    /// Runs `script` (Python) with boto3 at hand: `s3` is a client of this server with the
    /// access key, path style; `argv` holds `arguments`. Returns what it printed.
    public func boto3(_ script: String, arguments: [String] = []) throws -> String {
        // `from x import y` only: the module-graph check reads a line starting with
        // `import` as a Swift import, even inside a string.
        let prelude = """
            from sys import argv
            from boto3 import client
            from botocore.config import Config
            s3 = client("s3", endpoint_url="\(endpoint)", region_name="\(region)", aws_access_key_id="\(accessKeyID)",
                        aws_secret_access_key="\(secretAccessKey)", config=Config(s3={"addressing_style": "path"}))

            """
        return try ProcessRunner.run(python, ["-c", prelude + script] + arguments)
    }

    private static func waitUntilAccepting(_ port: UInt16, _ process: ChildProcess) -> Bool {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, process.isRunning {
            if LoopbackPort.accepts(port) { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }
}
