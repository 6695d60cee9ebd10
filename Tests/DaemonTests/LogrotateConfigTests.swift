import Foundation
import Testing
import TestSupport

@Suite("logrotate config")
struct LogrotateConfigTests {
    static let logrotate = "/usr/sbin/logrotate"

    @Test(
        "logrotate rotates the log, leaves the newest old log uncompressed, compresses the one before, creates no new file",
        .enabled(if: FileManager.default.isExecutableFile(atPath: logrotate), "logrotate is not installed")
    )
    func rotation_FollowsTheConfig() throws {
        let scratch = TemporaryDirectory(prefix: "videohookd-config")
        let logs = scratch.url.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        // Only the log folder moves; the postrotate script runs as shipped and finds no
        // running videohookd.service here, which must not fail the rotation.
        let config = try ConfigFiles.text("logrotate/videohookd").replacingOccurrences(of: "/var/log/videohookd", with: logs.path)
        let configFile = scratch.url.appendingPathComponent("videohookd.logrotate")
        try config.write(to: configFile, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: configFile.path)
        let state = scratch.url.appendingPathComponent("state").path
        let log = logs.appendingPathComponent("videohookd.log")

        func rotate(writing line: String) throws -> CommandResult {
            try Data(line.utf8).write(to: log)
            return try CommandResult.run(Self.logrotate, ["--force", "--state", state, configFile.path])
        }

        let first = try rotate(writing: "level=info msg=first\n")
        #expect(first.status == 0, "\(first.output)")
        let second = try rotate(writing: "level=info msg=second\n")
        #expect(second.status == 0, "\(second.output)")

        let files = try Set(FileManager.default.contentsOfDirectory(atPath: logs.path))
        #expect(files == ["videohookd.log.1", "videohookd.log.2.gz"])
        #expect(try String(contentsOf: logs.appendingPathComponent("videohookd.log.1"), encoding: .utf8) == "level=info msg=second\n")
    }
}
