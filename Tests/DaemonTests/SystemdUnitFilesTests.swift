import Foundation
import Testing
import TestSupport
import Daemon

@Suite("systemd unit files")
struct SystemdUnitFilesTests {
    static let units = ["videohookd.socket", "videohookd-admin.socket", "videohookd.service"]
    static let systemdAnalyze = "/usr/bin/systemd-analyze"

    @Test(
        "systemd-analyze verify accepts the units, with no warning about them",
        .enabled(if: FileManager.default.isExecutableFile(atPath: systemdAnalyze), "systemd-analyze is not installed")
    )
    func systemdAnalyzeVerify_Passes() throws {
        let scratch = TemporaryDirectory(prefix: "videohookd-config")
        for unit in Self.units {
            // verify insists that ExecStart's program exists; the daemon is not installed
            // here, so point it at one that is. Everything else is checked as shipped.
            let text = try ConfigFiles.text(unit).replacingOccurrences(of: "/usr/local/bin/videohookd", with: "/bin/true")
            try text.write(toFile: scratch.file(unit), atomically: true, encoding: .utf8)
        }
        let result = try CommandResult.run(Self.systemdAnalyze, ["verify"] + Self.units.map { scratch.file($0) })
        #expect(result.status == 0, "\(result.output)")
        // Unknown keys and bad values are warnings with exit status 0: fail on them too.
        let complaints = result.output.split(separator: "\n").filter { $0.contains("videohookd") }
        #expect(complaints.isEmpty, "\(complaints.joined(separator: "\n"))")
    }

    @Test("each socket unit names its descriptor as the daemon looks it up, and the service takes both")
    func descriptorNames_MatchSocketActivation() throws {
        #expect(try ConfigFiles.values(of: "FileDescriptorName", in: "videohookd.socket") == [SocketActivation.callbackSocketName])
        #expect(try ConfigFiles.values(of: "FileDescriptorName", in: "videohookd-admin.socket") == [SocketActivation.adminSocketName])
        let passed = try ConfigFiles.values(of: "Sockets", in: "videohookd.service")
            .flatMap { $0.split(separator: " ").map(String.init) }
        #expect(Set(passed) == ["videohookd.socket", "videohookd-admin.socket"])
    }

    @Test("the service is Type=notify with a watchdog, as the daemon's notifier and pinger expect")
    func service_IsNotifyWithWatchdog() throws {
        #expect(try ConfigFiles.values(of: "Type", in: "videohookd.service") == ["notify"])
        #expect(try ConfigFiles.values(of: "NotifyAccess", in: "videohookd.service") == ["main"])
        let watchdog = try #require(try ConfigFiles.values(of: "WatchdogSec", in: "videohookd.service").first.flatMap { Int($0) })
        #expect(watchdog > 0)
    }
}
