import Glibc
import TestSupport
import Testing
@testable import Daemon

@Suite("SystemdNotifier")
struct SystemdNotifierTests {
    @Test("without NOTIFY_SOCKET it sends nothing and reports no error")
    func withoutNotifySocket_DoesNothing() throws {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isEnabled)
        try notifier.ready()
        try notifier.status("starting")
        #expect(!SystemdNotifier(environment: ["NOTIFY_SOCKET": ""]).isEnabled)
    }

    @Test("READY, STOPPING, WATCHDOG and a raw message reach a socket named by path")
    func lifecycleMessages_ReachPathSocket() throws {
        let listener = try NotifySocket.atPath()
        let notifier = SystemdNotifier(environment: listener.environment)
        #expect(notifier.isEnabled)
        try notifier.ready()
        #expect(listener.receive(within: 2)?.text == "READY=1")
        try notifier.stopping()
        #expect(listener.receive(within: 2)?.text == "STOPPING=1")
        try notifier.watchdog()
        #expect(listener.receive(within: 2)?.text == "WATCHDOG=1")
        try notifier.send("EXTEND_TIMEOUT_USEC=5000000")
        #expect(listener.receive(within: 2)?.text == "EXTEND_TIMEOUT_USEC=5000000")
    }

    @Test("an @name reaches the abstract namespace, with an address length that counts only the name")
    func abstractName_ReachesAbstractSocket() throws {
        // A length that counted a trailing NUL, or the whole sun_path, would name another
        // abstract socket, and sendto would fail with ECONNREFUSED.
        let listener = try NotifySocket.abstract()
        let notifier = SystemdNotifier(environment: listener.environment)
        try notifier.ready()
        #expect(listener.receive(within: 2)?.text == "READY=1")
    }

    @Test("STATUS text stays on one line, so it cannot add another assignment")
    func status_FlattensControlCharacters() throws {
        let listener = try NotifySocket.atPath()
        let notifier = SystemdNotifier(environment: listener.environment)
        try notifier.status("archived 3 videos\nREADY=1\tok")
        #expect(listener.receive(within: 2)?.text == "STATUS=archived 3 videos READY=1 ok")
    }

    @Test("RELOADING carries MONOTONIC_USEC from the monotonic clock")
    func reloading_CarriesMonotonicTime() throws {
        let listener = try NotifySocket.atPath()
        let notifier = SystemdNotifier(environment: listener.environment)
        let before = SystemdNotifier.monotonicMicroseconds()
        try notifier.reloading()
        let after = SystemdNotifier.monotonicMicroseconds()
        let lines = try #require(listener.receive(within: 2)?.text).split(separator: "\n")
        #expect(lines.first == "RELOADING=1")
        let stamp = try #require(lines.last.flatMap { UInt64($0.dropFirst("MONOTONIC_USEC=".count)) })
        #expect(lines.last?.hasPrefix("MONOTONIC_USEC=") == true)
        #expect((before...after).contains(stamp))
    }

    @Test("a NOTIFY_SOCKET that is no unix address is reported on each send", arguments: [
        "relative/notify", "@", "vsock:2:1234", "/" + String(repeating: "x", count: 200),
    ])
    func malformedNotifySocket_ThrowsOnSend(value: String) {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": value])
        #expect(notifier.isEnabled)
        #expect {
            try notifier.ready()
        } throws: { error in
            guard case .invalidSocketAddress(let reported, _) = error as? SystemdNotifyError else { return false }
            return reported == value
        }
    }

    @Test("a socket path where nothing listens is an error, not a crash")
    func missingSocket_ThrowsSystemCallError() throws {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent-videohookd-\(getpid())/notify"])
        #expect(throws: SystemdNotifyError.systemCall(SystemCallError(
            "sendto NOTIFY_SOCKET /nonexistent-videohookd-\(getpid())/notify", errno: ENOENT
        ))) {
            try notifier.ready()
        }
    }

    @Test("an empty message or one with a NUL byte is refused before sending")
    func invalidMessages_AreRefused() throws {
        let listener = try NotifySocket.atPath()
        let notifier = SystemdNotifier(environment: listener.environment)
        #expect(throws: SystemdNotifyError.invalidMessage("the message is empty")) { try notifier.send("") }
        #expect(throws: SystemdNotifyError.invalidMessage("the message contains a NUL byte")) {
            try notifier.send("READY=1\u{0}")
        }
        #expect(listener.receive(within: 0.1)?.text == nil)
    }
}
