import Foundation
import Testing

/// `videohookd check-url` run as a real process, as an operator or a script would.
@Suite("videohookd check-url")
struct CheckURLCommandTests {
    @Test("a public IP literal with --no-dns prints ok and exits 0")
    func acceptedURLExitsZero() throws {
        let result = try runVideohookd(["check-url", "--no-dns", "https://8.8.8.8/callbacks/x"])
        #expect(result.status == 0)
        #expect(result.standardOutput == "ok\n")
        #expect(result.standardError.isEmpty)
    }

    @Test("a public name with --no-dns is ok and says it was not resolved")
    func nameWithoutDNSSaysSo() throws {
        let result = try runVideohookd(["check-url", "--no-dns", "https://hooks.example.com/"])
        #expect(result.status == 0)
        #expect(result.standardOutput.hasPrefix("ok\n"))
        #expect(result.standardOutput.contains("not resolved"))
    }

    @Test("a refused URL prints the rule and the part at fault and exits 1", arguments: [
        ("https://127.1/", "refused internal-address:", "\"127.1\""),
        ("https://0x7f000001/", "refused internal-address:", "loopback (127.0.0.0/8)"),
        ("http://example.com/", "refused scheme-not-https:", "\"http\""),
        ("https://good.com@10.0.0.1/", "refused user-info:", "\"good.com@\""),
        ("https://[fe80::1%25eth0]/", "refused internal-address:", "link-local"),
        ("https://example.com:0/", "refused bad-port:", "\"0\""),
    ])
    func refusedURLExitsOne(_ url: String, _ verdict: String, _ part: String) throws {
        let result = try runVideohookd(["check-url", "--no-dns", url])
        #expect(result.status == 1)
        #expect(result.standardOutput.hasPrefix(verdict), "\(result.standardOutput)")
        #expect(result.standardOutput.contains(part))
    }

    @Test("localhost is refused by name, with DNS on too")
    func localhostIsRefusedWithResolver() throws {
        let result = try runVideohookd(["check-url", "https://localhost:8443/"])
        #expect(result.status == 1)
        #expect(result.standardOutput.hasPrefix("refused localhost-name:"))
    }

    @Test("usage errors exit 2 and print the usage on standard error", arguments: [
        [] as [String], ["--no-dns"], ["https://a.example/", "https://b.example/"], ["--bogus", "https://8.8.8.8/"],
    ])
    func usageErrorsExitTwo(_ arguments: [String]) throws {
        let result = try runVideohookd(["check-url"] + arguments)
        #expect(result.status == 2)
        #expect(result.standardOutput.isEmpty)
        #expect(result.standardError.contains("Usage: videohookd check-url"))
    }

    @Test("--help prints the exit codes and exits 0")
    func helpExitsZero() throws {
        let result = try runVideohookd(["check-url", "--help"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("--no-dns"))
        #expect(result.standardOutput.contains("0 accepted, 1 refused, 2 usage error"))
    }
}

// The helpers below are file-private so that other end-to-end test files can keep
// their own without a clash; a shared runner can replace them later.
private struct ProcessResult {
    var status: Int32
    var standardOutput: String
    var standardError: String
}

/// Runs the built `videohookd` and waits for it. The binary sits beside the test bundle
/// (`swift build --build-tests` builds both); `.build/debug` is the fallback.
private func runVideohookd(_ arguments: [String]) throws -> ProcessResult {
    let process = Process()
    process.executableURL = try videohookdExecutable()
    process.arguments = arguments
    let output = Pipe(), error = Pipe()
    process.standardOutput = output
    process.standardError = error
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Both outputs are small (well under a pipe's buffer), so reading one after the
    // other cannot block the child.
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus,
                         standardOutput: String(decoding: outputData, as: UTF8.self),
                         standardError: String(decoding: errorData, as: UTF8.self))
}

private struct MissingExecutable: Error, CustomStringConvertible {
    var tried: [String]
    var description: String { "videohookd not built; run `swift build --build-tests` first (looked in \(tried))" }
}

private func videohookdExecutable() throws -> URL {
    let testBundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let candidates = [
        testBundle.appendingPathComponent("videohookd"),
        packageRoot.appendingPathComponent(".build/debug/videohookd"),
    ]
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw MissingExecutable(tried: candidates.map(\.path))
    }
    return found
}
