import Foundation
import Glibc
import Testing
import TestSupport
@testable import Notifier

@Suite("Command runner")
struct CommandRunnerTests {
    let folder = TemporaryDirectory(prefix: "vh-command")
    let runner = CommandRunner(outputLimit: 64, killGrace: .milliseconds(500))
    let roomy = CommandRunner(outputLimit: 1 << 20, killGrace: .milliseconds(500))

    @Test("stdin reaches the command whole, even 1 MiB of it, and the environment given is the whole environment")
    func stdinAndEnvironment() throws {
        let file = folder.file("in.json")
        let body = Array(#"{"type":"video.archived","é":1}"#.utf8)
        let wrote = runner.run(["/bin/sh", "-c", "cat > \"$OUT\""], stdin: body,
                               environment: ["OUT": file, "PATH": "/usr/bin:/bin"], timeout: .seconds(10))
        #expect(wrote.succeeded, "\(wrote)")
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: file))) == body)

        let big = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        let copied = runner.run(["/bin/sh", "-c", "cat > \"$OUT\""], stdin: big, environment: ["OUT": file],
                                timeout: .seconds(10))
        #expect(copied.succeeded, "\(copied)")
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: file))) == big)

        let env = runner.run(["/usr/bin/env"], stdin: [], environment: ["A": "1", "B": "two words"], timeout: .seconds(10))
        #expect(env.ending == .exited(0))
        #expect(Set(env.output.split(separator: "\n").map(String.init)) == ["A=1", "B=two words"])
        let empty = runner.run(["/usr/bin/env"], stdin: [], environment: [:], timeout: .seconds(10))
        #expect(empty.succeeded && empty.output == "")
    }

    @Test("exit 1 is not delivered; a signal is told apart; stdout and stderr are kept in the order they came")
    func exitAndOutput() {
        let failed = runner.run(["/bin/sh", "-c", "echo out; echo err >&2; echo out2; exit 1"], stdin: [], environment: [:],
                                timeout: .seconds(10))
        #expect(failed.ending == .exited(1) && !failed.succeeded)
        #expect(failed.output == "out\nerr\nout2\n")
        let killed = runner.run(["/bin/sh", "-c", "kill -KILL $$"], stdin: [], environment: [:], timeout: .seconds(10))
        #expect(killed.ending == .killedBySignal(SIGKILL) && !killed.succeeded)
    }

    @Test("output over the limit is read to its end, cut, and noted with what was left out")
    func outputLimit() {
        let chatty = runner.run(["/bin/sh", "-c", "i=0; while [ $i -lt 10000 ]; do echo 0123456789; i=$((i+1)); done"],
                                stdin: [], environment: [:], timeout: .seconds(20))
        #expect(chatty.succeeded)
        #expect(chatty.output == String(repeating: "0123456789\n", count: 5) + "012345678… (109936 more bytes)")
        let exact = runner.run(["/bin/sh", "-c", "printf '%064d' 0"], stdin: [], environment: [:], timeout: .seconds(10))
        #expect(exact.output == String(repeating: "0", count: 64), "exactly the limit is not cut")
    }

    @Test("a cut never splits a character: the bytes of the one it would split count as cut")
    func utf8Cut() {
        func cut(_ text: String, limit: Int) -> String {
            var buffer = CommandOutputBuffer(limit: limit)
            buffer.append(ArraySlice(Array(text.utf8)))
            return buffer.text
        }
        #expect(cut("aé€x", limit: 2) == "a… (6 more bytes)")       // é cut after its first byte
        #expect(cut("aé€x", limit: 3) == "aé… (4 more bytes)")      // é whole, the cut after it
        #expect(cut("aé€x", limit: 5) == "aé… (4 more bytes)")      // € cut after two of three bytes
        #expect(cut("a😀", limit: 4) == "a… (4 more bytes)")
        #expect(cut("a😀", limit: 5) == "a😀")
        #expect(cut("line\u{1B}[31m\r\n", limit: 64) == "line\u{1B}[31m\r\n", "control characters stay as they are")
    }

    @Test("a command that hangs is killed at its timeout with everything in its process group")
    func timeoutKillsGroup() throws {
        let pids = folder.file("pids")
        let hung = runner.run(["/bin/sh", "-c", "sleep 100 & echo $$ $! > \"$PIDS\"; sleep 100"], stdin: [],
                              environment: ["PIDS": pids], timeout: .milliseconds(500))
        #expect(hung.ending == .timedOut)
        #expect(hung.duration >= .milliseconds(500) && hung.duration < .milliseconds(2500), "\(hung.duration)")
        let group = try #require(try Self.numbers(in: pids).first)
        #expect(Self.groupIsGone(group))
    }

    @Test("a group that ignores SIGTERM gets SIGKILL after the grace")
    func timeoutEscalates() throws {
        let pids = folder.file("pids")
        let stubborn = runner.run(["/bin/sh", "-c", "trap '' TERM; sleep 100 & echo $$ > \"$PIDS\"; sleep 100"], stdin: [],
                                  environment: ["PIDS": pids], timeout: .milliseconds(300))
        #expect(stubborn.ending == .timedOut)
        #expect(stubborn.duration >= .milliseconds(800) && stubborn.duration < .milliseconds(3000), "\(stubborn.duration)")
        let group = try #require(try Self.numbers(in: pids).first)
        #expect(Self.groupIsGone(group))
    }

    @Test("a command that exits while something it started holds its output ends then, and the leftover is killed")
    func leftoverHoldingOutput() throws {
        let pids = folder.file("pids")
        let quick = runner.run(["/bin/sh", "-c", "sleep 100 & echo $$ > \"$PIDS\"; echo done; exit 3"], stdin: [],
                               environment: ["PIDS": pids], timeout: .seconds(20))
        #expect(quick.ending == .exited(3))
        #expect(quick.output == "done\n")
        #expect(quick.duration < .seconds(3), "\(quick.duration)")
        let group = try #require(try Self.numbers(in: pids).first)
        #expect(Self.groupIsGone(group))
    }

    @Test("a program that cannot run says which and why")
    func couldNotStart() throws {
        let missing = runner.run(["/nonexistent/on-video"], stdin: [], environment: [:], timeout: .seconds(1))
        #expect(missing.ending == .couldNotStart("cannot run /nonexistent/on-video: No such file or directory"))
        #expect(!missing.succeeded)
        let script = try folder.write("not-executable.sh", "#!/bin/sh\nexit 0\n")
        #expect(runner.run([script], stdin: [1, 2, 3], environment: [:], timeout: .seconds(1)).ending
            == .couldNotStart("cannot run \(script): Permission denied"))
        #expect(runner.run(["sh", "-c", "true"], stdin: [], environment: [:], timeout: .seconds(1)).ending
            == .couldNotStart("cannot run sh: not a path (commands are not looked up in PATH; give its absolute path)"))
        #expect(runner.run([], stdin: [], environment: [:], timeout: .seconds(1)).ending == .couldNotStart("the command is empty"))
        #expect(runner.run(["/bin/true"], stdin: [], environment: ["A=B": "1"], timeout: .seconds(1)).ending
            == .couldNotStart(#"cannot run /bin/true: environment variable name "A=B" is not valid"#))
        #expect(runner.run(["/bin/echo", "a\u{0}b"], stdin: [], environment: [:], timeout: .seconds(1)).ending
            == .couldNotStart("cannot run /bin/echo: an argument holds a NUL byte"))
    }

    @Test("a command that never reads a large stdin neither hangs us nor kills us, whether it exits or hangs")
    func unreadStdin() {
        let big = [UInt8](repeating: 0x61, count: 1 << 20)
        let exits = runner.run(["/bin/true"], stdin: big, environment: [:], timeout: .seconds(10))
        #expect(exits.ending == .exited(0))
        #expect(exits.duration < .seconds(2))
        let hangs = runner.run(["/bin/sleep", "100"], stdin: big, environment: [:], timeout: .milliseconds(300))
        #expect(hangs.ending == .timedOut)
        #expect(hangs.duration < .milliseconds(2500), "\(hangs.duration)")
    }

    @Test("the child starts with no signal blocked or ignored even when the caller blocks SIGTERM")
    func cleanSignals() throws {
        var block = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGTERM)
        sigaddset(&block, SIGHUP)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &block, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let selfKill = runner.run(["/bin/sh", "-c", "kill -TERM $$; sleep 5"], stdin: [], environment: [:],
                                  timeout: .seconds(10))
        #expect(selfKill.ending == .killedBySignal(SIGTERM))
        // The runner ignores SIGPIPE in this process; the child must not inherit that either.
        let status = roomy.run(["/bin/cat", "/proc/self/status"], stdin: [], environment: [:], timeout: .seconds(10))
        func mask(_ name: String) -> UInt64? {
            status.output.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .flatMap { UInt64($0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces), radix: 16) }
        }
        #expect(mask("SigBlk") == 0, "\(status.output)")
        // glibc's posix_spawn itself leaves its two internal signals (32 and 33, SIGCANCEL
        // and SIGSETXID, below SIGRTMIN) ignored in the child; every other one is default.
        let glibcInternal: UInt64 = 1 << 31 | 1 << 32
        #expect(mask("SigIgn").map { $0 & ~glibcInternal } == 0, "\(status.output)")
    }

    @Test("no descriptor of ours reaches the child, close-on-exec or not")
    func onlyItsPipes() throws {
        let leaked = open("/dev/null", O_RDONLY)
        #expect(leaked >= 0)
        defer { close(leaked) }
        let high = dup2(leaked, 77)
        defer { close(high) }
        let fds = runner.run(["/bin/ls", "/proc/self/fd"], stdin: [], environment: [:], timeout: .seconds(10))
        #expect(fds.succeeded)
        #expect(Set(fds.output.split(separator: "\n").map(String.init)).isSubset(of: ["0", "1", "2", "3"]),
                "only stdin, stdout, stderr and ls's own directory: \(fds.output)")
        let kinds = roomy.run(["/bin/sh", "-c", "ls -l /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2"], stdin: [],
                              environment: [:], timeout: .seconds(10))
        #expect(kinds.output.components(separatedBy: "pipe:[").count == 4, "0, 1 and 2 are pipes: \(kinds.output)")
    }

    @Test("runs at once from several threads keep to their own input, output and outcome")
    func concurrentRuns() {
        let inputs = (0..<8).map { index in Array(String(repeating: "run \(index);", count: 20_000).utf8) }
        let results = Results(count: inputs.count)
        DispatchQueue.concurrentPerform(iterations: inputs.count) { index in
            let code = Int32(index % 3)
            let outcome = roomy.run(["/bin/sh", "-c", "cat; exit \(code)"], stdin: inputs[index], environment: [:],
                                    timeout: .seconds(30))
            results.set(index, outcome)
        }
        for (index, outcome) in results.all.enumerated() {
            #expect(outcome?.ending == .exited(Int32(index % 3)))
            #expect(outcome?.output == String(decoding: inputs[index], as: UTF8.self))
        }
    }

    @Test("the duration is the run's, on the monotonic clock")
    func duration() {
        let slept = runner.run(["/bin/sleep", "0.3"], stdin: [], environment: [:], timeout: .seconds(10))
        #expect(slept.succeeded)
        #expect(slept.duration >= .milliseconds(300) && slept.duration < .seconds(3), "\(slept.duration)")
    }

    // MARK: - Helpers

    private final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var outcomes: [CommandOutcome?]
        init(count: Int) { outcomes = Array(repeating: nil, count: count) }
        func set(_ index: Int, _ outcome: CommandOutcome) { lock.withLock { outcomes[index] = outcome } }
        var all: [CommandOutcome?] { lock.withLock { outcomes } }
    }

    private static func numbers(in file: String) throws -> [Int32] {
        try String(contentsOfFile: file, encoding: .utf8).split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
    }

    /// No process of the group is alive: `kill(-pgid, 0)` fails with ESRCH, or (when the
    /// container's init does not reap orphans) every member left is a zombie. SIGKILL's
    /// delivery is not instant, so this waits up to 2 s.
    private static func groupIsGone(_ pgid: Int32) -> Bool {
        for _ in 0..<100 {
            if kill(-pgid, 0) != 0 && errno == ESRCH { return true }
            if livingMembers(of: pgid).isEmpty { return true }
            usleep(20_000)
        }
        return false
    }

    private static func livingMembers(of pgid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            // After "pid (comm)": state, ppid, pgrp, ...
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && fields[2] == "\(pgid)" && fields[0] != "Z"
        }
    }
}
