import Foundation

/// The shipped files under `config/`.
enum ConfigFiles {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // DaemonTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // the package
        .appendingPathComponent("config")

    static func text(_ relativePath: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// The `key=value` settings of a unit file, in order, comments left out.
    static func unitSettings(_ relativePath: String) throws -> [(key: String, value: String)] {
        try text(relativePath).split(separator: "\n").compactMap { line in
            let line = line.trimmingCharacters(in: .whitespaces)
            guard !line.hasPrefix("#"), !line.hasPrefix("["), let equals = line.firstIndex(of: "=") else { return nil }
            return (String(line[..<equals]), String(line[line.index(after: equals)...]))
        }
    }

    static func values(of key: String, in relativePath: String) throws -> [String] {
        try unitSettings(relativePath).filter { $0.key == key }.map(\.value)
    }
}

/// Runs a program to the end and keeps what it printed.
struct CommandResult {
    let status: Int32
    let output: String

    static func run(_ executable: String, _ arguments: [String]) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self))
    }
}
