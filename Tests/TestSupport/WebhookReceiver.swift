import Foundation
import Glibc

/// The tests' webhook receiver (`webhook_receiver.py`) as a child process: plain HTTP on
/// 127.0.0.1, every delivery checked with the `standardwebhooks` package from PyPI, in
/// the virtual environment `scripts/test.sh` makes (`VIDEOHOOKD_TEST_PYTHON`).
public final class WebhookReceiver: @unchecked Sendable {
    // @unchecked: set up by `init` and `start` on the test's thread; the server is a process.
    public struct Delivery: Decodable, Sendable {
        public var received: Double
        public var headers: [String: String]
        public var body: String
        /// Per secret (its index): true, or why standardwebhooks refused it.
        public var verified: [String: VerificationResult]
        public var answered: Int

        public var id: String { headers["webhook-id"] ?? "" }
        public var type: String? { json?["type"] as? String }
        public var data: [String: Any]? { json?["data"] as? [String: Any] }
        public var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] }
        /// True when every secret given to the receiver verified this delivery.
        public var verifiedByAll: Bool { !verified.isEmpty && verified.values.allSatisfy { $0 == .verified } }
    }

    public enum VerificationResult: Decodable, Sendable, Equatable {
        case verified
        case refused(String)

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let flag = try? container.decode(Bool.self), flag { self = .verified } else {
                self = .refused((try? container.decode(String.self)) ?? "refused")
            }
        }
    }

    private let folder = TemporaryDirectory(prefix: "videohookd-receiver")
    private let secrets: [String]
    private var process: Process?
    public private(set) var port: UInt16 = 0

    public var url: String { "http://127.0.0.1:\(port)/hooks" }

    /// - Parameters:
    ///   - secrets: what the receiver verifies with, each on its own.
    ///   - statuses: the answers in order, the last repeating (204 when empty).
    ///   - port: a fixed port, to come back on after `stop()`; 0 picks one.
    public init(secrets: [String], statuses: [Int] = [], port: UInt16 = 0) throws {
        self.secrets = secrets
        try start(statuses: statuses, port: port)
    }

    deinit { stop() }

    public static var python: String {
        get throws {
            guard let python = ProcessInfo.processInfo.environment["VIDEOHOOKD_TEST_PYTHON"],
                  FileManager.default.isExecutableFile(atPath: python) else {
                throw DaemonError("VIDEOHOOKD_TEST_PYTHON does not name the test venv's python3 with standardwebhooks: run the tests with scripts/test.sh")
            }
            return python
        }
    }

    /// Starts (or starts again, on the same port when it had one) the server.
    public func start(statuses: [Int] = [], port: UInt16? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.python)
        process.arguments = [Self.scriptPath, "--dir", folder.path, "--port", String(port ?? self.port),
                             "--script", statuses.map(String.init).joined(separator: ",")]
            + secrets.flatMap { ["--secret", $0] }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let words = String(decoding: line, as: UTF8.self).split(separator: " ")
        guard words.count == 2, words[0] == "listening", let listening = UInt16(words[1]) else {
            process.terminate()
            throw DaemonError("the webhook receiver did not start: \(String(decoding: line, as: UTF8.self))")
        }
        self.port = listening
        self.process = process
    }

    /// Changes the answers from the next request on.
    public func answer(_ statuses: [Int]) throws {
        try statuses.map(String.init).joined(separator: ",").write(toFile: folder.file("script.txt"), atomically: true,
                                                                    encoding: .utf8)
    }

    /// Every request so far, oldest first.
    public func deliveries() -> [Delivery] {
        guard let text = try? String(contentsOfFile: folder.file("requests.jsonl"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Delivery.self, from: Data($0.utf8)) }
    }

    /// Waits until `condition` holds for the deliveries, at most `seconds`.
    @discardableResult
    public func wait(seconds: Double = 15, until condition: ([Delivery]) -> Bool) -> [Delivery] {
        let deadline = Date().addingTimeInterval(seconds)
        var seen = deliveries()
        while !condition(seen) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
            seen = deliveries()
        }
        return seen
    }

    /// SIGKILL: the test process may block SIGTERM, and the child inherits the mask.
    public func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    static var scriptPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("webhook_receiver.py").path
    }
}
