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
    public static func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> String {
        // posix_spawn keeps the test's working directory: env -C changes it before the exec.
        let argv = directory.map { ["/usr/bin/env", "-C", $0, executable] } ?? [executable]
        let child = try ChildProcess(executable: argv[0], arguments: argv + arguments,
                                     environment: ProcessInfo.processInfo.environment)
        guard let status = child.waitForExit(timeout: timeout) else {
            child.signal(SIGKILL)
            _ = child.waitForExit(timeout: 5)
            throw Failure(description: "\(executable) \(arguments.joined(separator: " ")) did not end within \(Int(timeout)) s")
        }
        guard status == 0 else {
            throw Failure(description: "\(executable) \(arguments.joined(separator: " ")) exited \(status): \(child.standardError)")
        }
        return child.standardOutput
    }
}
