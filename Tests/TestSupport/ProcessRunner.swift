import Foundation
import Glibc

/// Runs a short helper program (sha256sum, a Python setup script) to its end and returns
/// what it printed. Through ``ChildProcess`` (posix_spawn and a waitpid of its own pid)
/// rather than Foundation's `Process`, whose `waitUntilExit` was seen to hang for good in
/// a full run, and with a bound, so that a helper that never ends fails its test instead
/// of holding the whole suite.
public enum ProcessRunner {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// The most a helper may take.
    public static let timeout: TimeInterval = 300

    @discardableResult
    /// - Parameter directory: the working directory (openssl writes its files there).
    /// - Parameter environment: the child's whole environment (the test runner's when nil).
    public static func run(_ executable: String, _ arguments: [String], in directory: String? = nil,
                           environment: [String: String]? = nil, timeout: TimeInterval = timeout) throws -> String {
        // posix_spawn keeps the test's working directory: env -C changes it before the exec.
        let argv = directory.map { ["/usr/bin/env", "-C", $0, executable] } ?? [executable]
        // Standard output into a file, read once the child has ended: all of it, however
        // loaded the machine. (Through the collector's pipe, the tail of a long output,
        // 40 KB from psql, was seen missing after its 2 s wait for the reader threads.)
        var template = Array((NSTemporaryDirectory() + "/vh-output-XXXXXX").utf8CString)
        let file = mkstemp(&template)
        guard file >= 0 else { throw Failure(description: "mkstemp: \(String(cString: strerror(errno)))") }
        let outputPath = String(cString: template)
        defer { close(file); unlink(outputPath) }
        let child = try ChildProcess(executable: argv[0], arguments: argv + arguments,
                                     environment: environment ?? ProcessInfo.processInfo.environment,
                                     descriptors: [1: file])
        guard let status = child.waitForExit(timeout: timeout) else {
            child.signal(SIGKILL)
            _ = child.waitForExit(timeout: 5)
            throw Failure(description: "\(executable) \(arguments.joined(separator: " ")) did not end within \(Int(timeout)) s")
        }
        guard status == 0 else {
            throw Failure(description: "\(executable) \(arguments.joined(separator: " ")) exited \(status): \(child.standardError)")
        }
        guard let output = FileManager.default.contents(atPath: outputPath) else {
            throw Failure(description: "cannot read the output of \(executable) from \(outputPath)")
        }
        return String(decoding: output, as: UTF8.self)
    }
}
