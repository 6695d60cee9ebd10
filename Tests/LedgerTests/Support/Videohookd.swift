import Foundation
import Testing

/// Runs the built `videohookd` binary, as an operator would.
///
/// The binary sits beside the test bundle in the build folder: `swift build
/// --build-tests` builds it along with the tests.
enum Videohookd {
    struct Run {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    static var binary: URL {
        get throws {
            let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            let candidates = [bundleDirectory, Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
                .map { $0.appendingPathComponent("videohookd") }
            return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
                                "the videohookd binary is not built beside the tests; run `swift build --build-tests`")
        }
    }

    static func run(_ arguments: [String], environment: [String: String] = [:],
                    in directory: String? = nil) throws -> Run {
        let process = Process()
        process.executableURL = try binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "STATE_DIRECTORY")
        env.merge(environment) { $1 }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus,
                   standardOutput: String(decoding: outData, as: UTF8.self),
                   standardError: String(decoding: errData, as: UTF8.self))
    }
}
