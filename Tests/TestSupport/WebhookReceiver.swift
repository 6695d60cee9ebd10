import Foundation
import Glibc

/// The tests' webhook receiver (`webhook_receiver.py`, beside this file) as a child
/// process: plain HTTP on 127.0.0.1, every delivery checked with the `standardwebhooks`
/// package from PyPI, once per secret it holds. It runs on the interpreter of the
/// virtual environment `scripts/test.sh` makes (`TEST_VENV_PYTHON`), and stops when
/// `stop()` is called, the object goes, or this process dies (it exits when its stdin closes).
public final class WebhookReceiver: @unchecked Sendable {
    // @unchecked: a test drives one receiver from its own thread; the server is a process.

    /// One request the receiver got, as `GET /_control/log` reports it.
    public struct Delivery: Decodable, Sendable {
        public var number: Int
        /// Unix time, when the receiver read the request.
        public var received: Double
        public var method: String
        public var path: String
        /// Lower-cased names.
        public var headers: [String: String]
        /// Names that came more than once (folded into `headers`, last one kept).
        public var repeatedHeaders: [String]
        public var body: String
        public var bodyBase64: String
        /// One per secret, in the order given.
        public var verified: [Verification]
        public var answered: Int

        enum CodingKeys: String, CodingKey {
            case number, received, method, path, headers, repeatedHeaders = "repeated_headers", body
            case bodyBase64 = "body_base64", verified, answered
        }

        /// The `webhook-id` header.
        public var id: String? { headers["webhook-id"] }
        /// The body's bytes exactly as received.
        public var bodyBytes: [UInt8] { Array(Data(base64Encoded: bodyBase64) ?? Data()) }
        /// The body parsed as a JSON object, nil when it is not one.
        public var json: [String: Any]? {
            try? JSONSerialization.jsonObject(with: Data(bodyBytes)) as? [String: Any]
        }
        public var type: String? { json?["type"] as? String }
        public var data: [String: Any]? { json?["data"] as? [String: Any] }
        /// True when standardwebhooks verified the delivery with every secret the receiver holds.
        public var verifiedByAll: Bool { !verified.isEmpty && verified.allSatisfy(\.ok) }
        /// The failures, for a message.
        public var verificationErrors: [String] { verified.filter { !$0.ok }.map { "secret \($0.secret): \($0.error ?? "?")" } }
    }

    /// standardwebhooks' `Webhook(secret).verify(body, headers)` for one secret.
    public struct Verification: Decodable, Sendable {
        public var secret: Int
        public var ok: Bool
        /// The exception it raised, such as "WebhookVerificationError: No matching signature found".
        public var error: String?
    }

    public let secrets: [String]
    public let requireVerified: Bool
    public private(set) var port: UInt16 = 0
    private var process: Process?
    private var stdin: Pipe?
    private var output: OutputCollector?
    /// What earlier runs of the receiver (before a `stop()`) recorded.
    private var earlier: [Delivery] = []

    /// `http://127.0.0.1:<port>/hooks`: what `notify.webhooks[].url` is set to.
    public var url: String { "http://127.0.0.1:\(port)/hooks" }

    /// Starts the receiver.
    /// - Parameters:
    ///   - secrets: the `whsec_` secrets it verifies with, each on its own.
    ///   - script: the statuses of the first deliveries, in order; 200 after them.
    ///   - requireVerified: answer 401 to a delivery that no secret verifies.
    ///   - port: a fixed port; 0 lets the kernel pick.
    public init(secrets: [String], script: [Int] = [], requireVerified: Bool = false, port: UInt16 = 0) throws {
        self.secrets = secrets
        self.requireVerified = requireVerified
        self.port = port
        try start(script: script)
    }

    deinit { stop() }

    /// The interpreter of the tests' virtual environment, which has standardwebhooks.
    public static func python() throws -> String {
        let hint = "scripts/test.sh makes it; by hand: python3 -m venv .build/test-venv && "
            + ".build/test-venv/bin/pip install standardwebhooks boto3 'moto[server]' schemathesis selenium && export TEST_VENV_PYTHON=$PWD/.build/test-venv/bin/python3"
        guard let python = ProcessInfo.processInfo.environment["TEST_VENV_PYTHON"], !python.isEmpty else {
            throw DaemonError("TEST_VENV_PYTHON is not set: it names the python3 of the venv with the standardwebhooks package (\(hint))")
        }
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw DaemonError("TEST_VENV_PYTHON=\(python) is not an executable (\(hint))")
        }
        return python
    }

    public var isRunning: Bool { process?.isRunning ?? false }

    /// Starts the server, on the port it had before when it was stopped (the daemon's
    /// settings name it), with a new script.
    public func start(script: [Int] = []) throws {
        guard !isRunning else { throw DaemonError("the webhook receiver already runs on \(port)") }
        let scriptPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("webhook_receiver.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.python())
        process.arguments = [scriptPath, "--port", String(port), "--script", script.map(String.init).joined(separator: ",")]
            + secrets.flatMap { ["--secret", $0] } + (requireVerified ? ["--require-verified"] : [])
        let stdin = Pipe()
        let output = OutputCollector()
        process.standardInput = stdin
        process.standardOutput = output.pipe
        process.standardError = output.errorPipe
        try process.run()
        self.process = process
        self.stdin = stdin
        self.output = output
        // The first line is "port N".
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let line = output.text.split(separator: "\n").first, output.text.contains("\n") {
                guard line.hasPrefix("port "), let port = UInt16(line.dropFirst(5)) else {
                    stop()
                    throw DaemonError("webhook_receiver.py printed \"\(line)\", not its port")
                }
                self.port = port
                return
            }
            if !process.isRunning {
                Thread.sleep(forTimeInterval: 0.05) // let the readers take the last bytes
                let status = process.terminationStatus
                self.process = nil
                throw DaemonError("webhook_receiver.py exited with \(status) before printing its port: \(output.errorText)")
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        stop()
        throw DaemonError("webhook_receiver.py did not print its port within 10 s: \(output.errorText)")
    }

    /// Stops the server (the port closes: the daemon's next attempt is refused). What it
    /// recorded stays in `deliveries()`.
    public func stop() {
        guard let process else { return }
        if process.isRunning, let recorded = try? fetchLog() { earlier += recorded }
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? stdin?.fileHandleForWriting.close()
        self.process = nil
        self.stdin = nil
    }

    /// Replaces the script from the next delivery on (200 after it).
    public func setScript(_ statuses: [Int]) throws {
        let answer = try TestClient.connectPlain(port: port)
            .post("/_control/script", body: statuses.map(String.init).joined(separator: ","))
        guard answer.status == 204 else { throw DaemonError("POST /_control/script: \(answer.status) \(answer.text)") }
    }

    /// Every delivery so far, across restarts, oldest first.
    public func deliveries() throws -> [Delivery] {
        earlier + (isRunning ? try fetchLog() : [])
    }

    /// Polls `deliveries()` until `condition` holds or `timeout` passes; returns the last seen.
    @discardableResult
    public func waitForDeliveries(timeout: TimeInterval = 15, until condition: ([Delivery]) -> Bool) -> [Delivery] {
        let deadline = Date().addingTimeInterval(timeout)
        var seen = (try? deliveries()) ?? []
        while !condition(seen) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            seen = (try? deliveries()) ?? seen
        }
        return seen
    }

    /// What the receiver wrote on stderr (a traceback, if it broke).
    public var standardError: String { output?.errorText ?? "" }

    private func fetchLog() throws -> [Delivery] {
        let answer = try TestClient.connectPlain(port: port).get("/_control/log")
        guard answer.status == 200 else { throw DaemonError("GET /_control/log: \(answer.status) \(answer.text)") }
        return try JSONDecoder().decode([Delivery].self, from: Data(answer.body))
    }

    /// A fresh `whsec_` secret: the base64 of 32 random bytes.
    public static func makeSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return "whsec_" + Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
    }
}
