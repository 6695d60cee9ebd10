import Glibc
import Testing
import Daemon

@Suite("SocketActivation")
struct SocketActivationTests {
    private let pid: pid_t = 4242

    private func environment(count: Int32, names: String? = nil) -> [String: String] {
        var environment = ["LISTEN_PID": "\(pid)", "LISTEN_FDS": "\(count)"]
        environment["LISTEN_FDNAMES"] = names
        return environment
    }

    @Test("reports each passed descriptor's name, family, type and listening state, and marks it close-on-exec")
    func passedDescriptors_AreDescribed() throws {
        let passed = try PassedDescriptors([
            TestSockets.tcp(), TestSockets.tcp(ipv6: true), TestSockets.tcp(listening: false),
            TestSockets.unixDatagram(), TestSockets.pipeReadEnd(),
        ])
        let first = passed.first
        #expect(!passed.isCloseOnExec(first))

        let sockets = try SocketActivation.listeningSockets(
            environment: environment(count: passed.count, names: "callbacks:admin:spare:notify:fifo"),
            pid: pid,
            firstDescriptor: first
        )

        #expect(sockets == [
            ActivatedSocket(fileDescriptor: first, name: "callbacks", family: .ipv4, socketType: .stream, isListening: true),
            ActivatedSocket(fileDescriptor: first + 1, name: "admin", family: .ipv6, socketType: .stream, isListening: true),
            ActivatedSocket(fileDescriptor: first + 2, name: "spare", family: .ipv4, socketType: .stream, isListening: false),
            ActivatedSocket(fileDescriptor: first + 3, name: "notify", family: .unix, socketType: .datagram, isListening: false),
            ActivatedSocket(fileDescriptor: first + 4, name: "fifo", family: nil, socketType: nil, isListening: false),
        ])
        #expect((0..<passed.count).allSatisfy { passed.isCloseOnExec(first + $0) })
        #expect(SocketActivation.callbackSocket(in: sockets)?.fileDescriptor == first)
        #expect(SocketActivation.adminSocket(in: sockets)?.fileDescriptor == first + 1)
    }

    @Test("without LISTEN_FDNAMES every descriptor is named unknown, and the first TCP listener takes callbacks")
    func unnamedDescriptors_FallBackToFirstTCPListener() throws {
        let passed = try PassedDescriptors([TestSockets.unixDatagram(), TestSockets.tcp(listening: false), TestSockets.tcp()])
        let sockets = try SocketActivation.listeningSockets(
            environment: environment(count: passed.count), pid: pid, firstDescriptor: passed.first
        )
        #expect(sockets.map(\.name) == ["unknown", "unknown", "unknown"])
        #expect(SocketActivation.callbackSocket(in: sockets)?.fileDescriptor == passed.first + 2)
        #expect(SocketActivation.adminSocket(in: sockets) == nil)
    }

    @Test("a TCP listener named admin is never taken for callbacks")
    func adminListener_IsNotTheCallbackFallback() throws {
        let passed = try PassedDescriptors([TestSockets.tcp()])
        let sockets = try SocketActivation.listeningSockets(
            environment: environment(count: 1, names: "admin"), pid: pid, firstDescriptor: passed.first
        )
        #expect(SocketActivation.callbackSocket(in: sockets) == nil)
        #expect(SocketActivation.adminSocket(in: sockets)?.fileDescriptor == passed.first)
    }

    @Test("variables meant for another process, or no LISTEN_PID, or no LISTEN_FDS, mean no sockets", arguments: [
        ["LISTEN_PID": "4243", "LISTEN_FDS": "2"],
        ["LISTEN_PID": "4243", "LISTEN_FDS": "not even a number"],
        ["LISTEN_FDS": "2", "LISTEN_FDNAMES": "callbacks:admin"],
        ["LISTEN_PID": "4242"],
        ["LISTEN_PID": "4242", "LISTEN_FDS": "0", "LISTEN_FDNAMES": ""],
        [:],
    ])
    func notForUs_IsEmpty(environment: [String: String]) throws {
        // Descriptor 0 onwards: were the variables wrongly believed, stdin would be "passed".
        #expect(try SocketActivation.listeningSockets(environment: environment, pid: pid, firstDescriptor: 0).isEmpty)
    }

    @Test("malformed variables are errors that name the variable", arguments: [
        (["LISTEN_PID": "self", "LISTEN_FDS": "1"], "LISTEN_PID"),
        (["LISTEN_PID": "-4242", "LISTEN_FDS": "1"], "LISTEN_PID"),
        (["LISTEN_PID": "4242", "LISTEN_FDS": "two"], "LISTEN_FDS"),
        (["LISTEN_PID": "4242", "LISTEN_FDS": "-1"], "LISTEN_FDS"),
        (["LISTEN_PID": "4242", "LISTEN_FDS": "2147483647"], "LISTEN_FDS"),
        (["LISTEN_PID": "4242", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "callbacks:admin"], "LISTEN_FDNAMES"),
        (["LISTEN_PID": "4242", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "callbacks"], "LISTEN_FDNAMES"),
    ])
    func malformedVariables_Throw(environment: [String: String], variable: String) {
        #expect {
            try SocketActivation.listeningSockets(environment: environment, pid: pid, firstDescriptor: 3)
        } throws: { error in
            (error as? SystemdEnvironmentError)?.variable == variable
        }
    }

    @Test("a LISTEN_FDS that counts a descriptor that is not open is an error naming it")
    func closedDescriptor_Throws() throws {
        let passed = try PassedDescriptors([TestSockets.tcp()])
        let missing = passed.first + 1
        #expect {
            try SocketActivation.listeningSockets(environment: environment(count: 2), pid: pid, firstDescriptor: passed.first)
        } throws: { error in
            guard let error = error as? SystemdEnvironmentError else { return false }
            return error.variable == "LISTEN_FDS" && error.problem.contains("descriptor \(missing)")
        }
    }

    @Test("unsetting the environment removes LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES from the process")
    func unsetEnvironment_RemovesVariables() throws {
        let passed = try PassedDescriptors([TestSockets.tcp()])
        let variables = ["LISTEN_PID": "\(getpid())", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "callbacks"]
        for (name, value) in variables { setenv(name, value, 1) }
        let sockets = try SocketActivation.listeningSockets(
            environment: variables, firstDescriptor: passed.first, unsetEnvironment: true
        )
        #expect(sockets.map(\.name) == ["callbacks"])
        #expect(variables.keys.allSatisfy { getenv($0) == nil })
    }
}
