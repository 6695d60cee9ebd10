import Foundation
import Glibc

/// The real `videohookd serve` as a child process, on ports the kernel picks, with its own
/// state folder: what the end-to-end tests start, signal, kill and restart.
public final class DaemonProcess: @unchecked Sendable {
    public let directory: String
    /// The folder this daemon made, nil when it reuses an earlier daemon's.
    private let ownFolder: TemporaryDirectory?
    public let stateDirectory: String
    public let configFile: String
    public private(set) var port: UInt16 = 0
    public private(set) var adminPort: UInt16 = 0
    public private(set) var child: ChildProcess?
    public let environment: [String: String]

    /// - Parameters:
    ///   - listen, adminListen: the listeners; port 0 lets the kernel pick.
    ///   - config: extra YAML lines for the settings file.
    ///   - reuse: the folder of an earlier daemon, to restart on the same state.
    public init(listen: String = "127.0.0.1:0", adminListen: String = "127.0.0.1:0", config: String = "",
                environment: [String: String] = [:], reuse: String? = nil) throws {
        ownFolder = reuse == nil ? TemporaryDirectory(prefix: "videohookd-e2e") : nil
        directory = reuse ?? ownFolder!.path
        stateDirectory = directory + "/state"
        configFile = directory + "/videohookd.yaml"
        self.environment = environment
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if reuse == nil || !FileManager.default.fileExists(atPath: configFile) {
            try writeConfig(listen: listen, adminListen: adminListen, config)
        }
    }

    /// Writes the settings file: the listeners, this daemon's state folder, and `config`.
    /// Called again while the daemon runs, it stands for an operator's edit before SIGHUP.
    public func writeConfig(listen: String = "127.0.0.1:0", adminListen: String = "127.0.0.1:0", _ config: String) throws {
        let text = """
            listen: \(listen)
            admin_listen: \(adminListen)
            state_dir: \(stateDirectory)
            \(config)
            """
        try text.write(toFile: configFile, atomically: true, encoding: .utf8)
    }

    /// Starts `serve` and waits until it says where it listens. `prefix`, a command that
    /// `exec`s the rest (such as `/usr/bin/taskset -c 0`), runs it, keeping its pid.
    public func start(extraArguments: [String] = [], prefix: [String] = [], timeout: TimeInterval = 30) throws {
        try launch(extraArguments: extraArguments, prefix: prefix)
        try waitForPorts(timeout: timeout)
    }

    /// Starts `serve` and returns at once.
    public func launch(extraArguments: [String] = [], prefix: [String] = []) throws {
        let binary = try BuiltBinary.videohookd().path
        let command = prefix + [binary, "serve", "--config", configFile] + extraArguments
        child = try ChildProcess(executable: command[0], arguments: command, environment: childEnvironment())
    }

    /// Starts `serve` socket-activated, as systemd would: the `listeners` become
    /// descriptors 3, 4, ... in order, with `LISTEN_FDS`, `LISTEN_FDNAMES` (their names)
    /// and `LISTEN_PID` set to the daemon's own pid. The pid is not known before the
    /// spawn, so a shell sets it to its own (`$$`) and then `exec`s the daemon, which
    /// keeps the pid.
    public func startActivated(listeners: [(fd: Int32, name: String)], timeout: TimeInterval = 30) throws {
        let binary = try BuiltBinary.videohookd().path
        var environment = childEnvironment()
        environment["LISTEN_FDS"] = String(listeners.count)
        environment["LISTEN_FDNAMES"] = listeners.map(\.name).joined(separator: ":")
        var descriptors: [Int32: Int32] = [:]
        for (offset, listener) in listeners.enumerated() { descriptors[3 + Int32(offset)] = listener.fd }
        child = try ChildProcess(executable: "/bin/sh",
                                 arguments: ["/bin/sh", "-c", #"LISTEN_PID=$$; export LISTEN_PID; exec "$0" serve --config "$1""#,
                                             binary, configFile],
                                 environment: environment, descriptors: descriptors)
        try waitForPorts(timeout: timeout)
    }

    /// The test runner's environment without anything that would change the daemon's
    /// behaviour (systemd's variables, VIDEOHOOKD_*), plus this daemon's `environment`.
    private func childEnvironment() -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("VIDEOHOOKD_") }
        for key in ["JOURNAL_STREAM", "INVOCATION_ID", "NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES",
                    "WATCHDOG_USEC", "WATCHDOG_PID", "STATE_DIRECTORY", "LOGS_DIRECTORY"] {
            environment.removeValue(forKey: key)
        }
        environment.merge(self.environment) { $1 }
        return environment
    }

    /// Waits for the first stdout line, which names the ports.
    public func waitForPorts(timeout: TimeInterval = 30) throws {
        guard let child else { throw DaemonError("videohookd serve was not started") }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let ports = child.output.listeningPorts() {
                (port, adminPort) = ports
                return
            }
            if let status = child.exitStatusNow {
                Thread.sleep(forTimeInterval: 0.05) // let the readers take the last bytes
                throw DaemonError("videohookd serve exited with \(status): \(child.standardError)")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw DaemonError("videohookd serve did not report its ports in \(timeout)s: \(child.standardOutput) \(child.standardError)")
    }

    /// The daemon's pid, once started.
    public var pid: pid_t? { child?.pid }

    /// Sends `signal` and waits for the exit; returns the exit status (128 + a signal's
    /// number when one ended it). After `timeout`, SIGKILL.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: TimeInterval = 30) -> Int32 {
        guard let child else { return -1 }
        if let status = child.exitStatusNow { return status }
        child.signal(signal)
        if let status = child.waitForExit(timeout: timeout) { return status }
        child.signal(SIGKILL)
        return child.waitForExit(timeout: 30) ?? -1
    }

    /// Waits for the daemon to exit on its own; nil when it still runs after `timeout`.
    public func waitForExit(timeout: TimeInterval) -> Int32? {
        child?.waitForExit(timeout: timeout)
    }

    public func signal(_ number: Int32) {
        child?.signal(number)
    }

    public var token: String {
        (try? String(contentsOfFile: stateDirectory + "/callback-token", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }

    public var certificateFile: String { stateDirectory + "/tls-selfsigned.crt" }
    public var logFile: String { stateDirectory + "/videohookd.log" }
    public var ledgerFile: String { stateDirectory + "/ledger.sqlite" }
    public var callbackPath: String { "/callbacks/" + token }
    public var standardOutput: String { child?.standardOutput ?? "" }
    public var standardError: String { child?.standardError ?? "" }

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
    /// Pipes whose writers have all closed (an empty read): everything they held is here.
    private var ended = 0

    /// Both pipes are read by a thread of their own, with poll, rather than by
    /// readability handlers on Dispatch's shared threads: on a loaded machine (a full run
    /// beside a build) those were seen to fall seconds behind, and a command's output
    /// came back empty.
    init() {
        let descriptors = [pipe.fileHandleForReading.fileDescriptor, errorPipe.fileHandleForReading.fileDescriptor]
        let thread = Thread { [self] in read(descriptors) }
        thread.name = "output-collector"
        thread.start()
    }

    private func read(_ descriptors: [Int32]) {
        var open = descriptors
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !open.isEmpty {
            var polled = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&polled, nfds_t(polled.count), -1) >= 0 || errno == EINTR else { break }
            for entry in polled where entry.revents != 0 {
                let count = Glibc.read(entry.fd, &buffer, buffer.count)
                if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                lock.lock()
                if count > 0 {
                    let data = Data(buffer[0..<count])
                    if entry.fd == descriptors[0] { out.append(data) } else { err.append(data) }
                } else {
                    ended += 1
                    open.removeAll { $0 == entry.fd }
                }
                lock.unlock()
            }
        }
    }

    /// After the child's exit, waits (at most `timeout`) until both pipes are read to
    /// their end, so that what it wrote last is in ``text`` and ``errorText``: the reader
    /// thread may still hold it when the exit is seen.
    func waitForEnd(timeout: TimeInterval) {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            lock.lock(); let done = ended >= 2; lock.unlock()
            if done { return }
            Thread.sleep(forTimeInterval: 0.01)
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
