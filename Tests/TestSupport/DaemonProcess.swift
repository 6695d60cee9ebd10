import Foundation
import Glibc

/// The real `videohookd serve` as a child process, on ports the kernel picks, with its own
/// state folder: what the end-to-end tests start, signal, kill and restart.
public final class DaemonProcess: @unchecked Sendable {
    public let directory: String
    public let stateDirectory: String
    public let configFile: String
    public private(set) var port: UInt16 = 0
    public private(set) var adminPort: UInt16 = 0
    public private(set) var process: Process?
    private var output = OutputCollector()
    public let environment: [String: String]

    /// - Parameters:
    ///   - config: extra YAML lines for the settings file.
    ///   - reuse: the folder of an earlier daemon, to restart on the same state.
    public init(config: String = "", environment: [String: String] = [:], reuse: String? = nil) throws {
        directory = reuse ?? NSTemporaryDirectory() + "videohookd-e2e-\(UUID().uuidString)"
        stateDirectory = directory + "/state"
        configFile = directory + "/videohookd.yaml"
        self.environment = environment
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if reuse == nil || !FileManager.default.fileExists(atPath: configFile) {
            let text = """
                listen: 127.0.0.1:0
                admin_listen: 127.0.0.1:0
                state_dir: \(stateDirectory)
                \(config)
                """
            try text.write(toFile: configFile, atomically: true, encoding: .utf8)
        }
    }

    /// Starts `serve` and waits until it says where it listens.
    public func start(extraArguments: [String] = [], timeout: TimeInterval = 30) throws {
        let process = Process()
        process.executableURL = try BuiltBinary.videohookd()
        process.arguments = ["serve", "--config", configFile] + extraArguments
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("VIDEOHOOKD_") }
        for key in ["JOURNAL_STREAM", "INVOCATION_ID", "NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "STATE_DIRECTORY", "LOGS_DIRECTORY"] {
            environment.removeValue(forKey: key)
        }
        environment.merge(self.environment) { $1 }
        process.environment = environment
        output = OutputCollector()
        process.standardOutput = output.pipe
        process.standardError = output.errorPipe
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let ports = output.listeningPorts() {
                (port, adminPort) = ports
                return
            }
            if !process.isRunning {
                throw DaemonError("videohookd serve exited with \(process.terminationStatus): \(output.errorText)")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw DaemonError("videohookd serve did not report its ports in \(timeout)s: \(output.text) \(output.errorText)")
    }

    /// Sends `signal` and waits for the exit; returns the exit status.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: TimeInterval = 30) -> Int32 {
        guard let process, process.isRunning else { return process?.terminationStatus ?? -1 }
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    public func signal(_ number: Int32) {
        if let process { kill(process.processIdentifier, number) }
    }

    public var token: String {
        (try? String(contentsOfFile: stateDirectory + "/callback-token", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }

    public var certificateFile: String { stateDirectory + "/tls-selfsigned.crt" }
    public var logFile: String { stateDirectory + "/videohookd.log" }
    public var ledgerFile: String { stateDirectory + "/ledger.sqlite" }
    public var callbackPath: String { "/callbacks/" + token }
    public var standardOutput: String { output.text }
    public var standardError: String { output.errorText }

    public func logLines() -> [String] {
        ((try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    public func connect() throws -> TestClient {
        try TestClient.connectTLS(port: port, caFile: certificateFile)
    }

    /// Runs another `videohookd` command against this daemon's settings.
    public func command(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try BuiltBinary.run(arguments + ["--config", configFile], environment: environment)
    }

    public func removeFiles() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

public struct DaemonError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Collects a child's output on background threads, so a full pipe never blocks it.
final class OutputCollector: @unchecked Sendable {
    let pipe = Pipe()
    let errorPipe = Pipe()
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()

    init() {
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock(); self.out.append(data); self.lock.unlock()
        }
        errorPipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock(); self.err.append(data); self.lock.unlock()
        }
    }

    var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: out, as: UTF8.self) }
    var errorText: String { lock.lock(); defer { lock.unlock() }; return String(decoding: err, as: UTF8.self) }

    /// From "videohookd listening on 127.0.0.1:P (HTTPS), admin on http://127.0.0.1:Q".
    func listeningPorts() -> (UInt16, UInt16)? {
        let text = self.text
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("videohookd listening on ") }) else { return nil }
        let words = line.split(separator: " ")
        guard words.count >= 8,
              let port = words[3].split(separator: ":").last.flatMap({ UInt16($0) }),
              let admin = words.last?.split(separator: ":").last.flatMap({ UInt16($0) }) else { return nil }
        return (port, admin)
    }
}

/// The `videohookd` binary that `swift build` made beside the test bundle.
public enum BuiltBinary {
    public static func videohookd() throws -> URL {
        let testBundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let candidates = [testBundle.appendingPathComponent("videohookd"),
                          packageRoot.appendingPathComponent(".build/debug/videohookd")]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw DaemonError("videohookd is not built; tried \(candidates.map(\.path)). Run `swift build --build-tests` first.")
        }
        return found
    }

    /// Runs `videohookd arguments` to completion.
    public static func run(_ arguments: [String], environment: [String: String] = [:],
                           input: String? = nil) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = try videohookd()
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("VIDEOHOOKD_") }
        merged.merge(environment) { $1 }
        process.environment = merged
        let collector = OutputCollector()
        process.standardOutput = collector.pipe
        process.standardError = collector.errorPipe
        try process.run()
        process.waitUntilExit()
        Thread.sleep(forTimeInterval: 0.05) // let the readers take the last bytes
        return (process.terminationStatus, collector.text, collector.errorText)
    }
}
