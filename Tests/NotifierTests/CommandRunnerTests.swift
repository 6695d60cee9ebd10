import Foundation
import Glibc
import Testing
import TestSupport
@testable import Notifier

@Suite("Command runner")
struct CommandRunnerTests {
    let folder = TemporaryDirectory(prefix: "vh-command")
    let runner = CommandRunner(outputLimit: 64, killGrace: .milliseconds(500))

    @Test("stdin reaches the command, and the environment given is the whole environment")
    func stdinAndEnvironment() throws {
        let file = folder.file("in.json")
        let body = Array(#"{"type":"video.archived","é":1}"#.utf8)
        let wrote = runner.run(["/bin/sh", "-c", "cat > \"$OUT\""], stdin: body,
                               environment: ["OUT": file, "PATH": "/usr/bin:/bin"], timeout: .seconds(10))
        #expect(wrote.succeeded, "\(wrote)")
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: file))) == body)
        let env = runner.run(["/usr/bin/env"], stdin: [], environment: ["A": "1", "B": "two words"], timeout: .seconds(10))
        #expect(env.ending == .exited(0))
        #expect(Set(env.output.split(separator: "\n").map(String.init)) == ["A=1", "B=two words"])
    }

    @Test("exit 1 is not delivered; the output, stdout and stderr, is kept and cut with a note")
    func exitAndOutput() {
        let failed = runner.run(["/bin/sh", "-c", "echo out; echo err >&2; exit 1"], stdin: [], environment: [:],
                                timeout: .seconds(10))
        #expect(failed.ending == .exited(1) && !failed.succeeded)
        #expect(failed.output == "out\nerr\n")
        let chatty = runner.run(["/bin/sh", "-c", "i=0; while [ $i -lt 1000 ]; do echo 0123456789; i=$((i+1)); done"],
                                stdin: [], environment: [:], timeout: .seconds(10))
        #expect(chatty.succeeded)
        #expect(chatty.output.hasPrefix("0123456789\n"))
        #expect(chatty.output.hasSuffix("… (10936 more bytes)"), "\(chatty.output)")
    }

    @Test("a command that hangs is killed at its timeout with everything in its process group")
    func timeoutKillsGroup() throws {
        let pidFile = folder.file("pids")
        let clock = ContinuousClock()
        let started = clock.now
        let hung = runner.run(["/bin/sh", "-c", "sleep 100 & echo $! > \"$PIDS\"; sleep 100"], stdin: [],
                              environment: ["PIDS": pidFile], timeout: .milliseconds(500))
        #expect(hung.ending == .timedOut)
        #expect(clock.now - started < .seconds(5))
        let background = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        // The grandchild went with the group: no such process any more (reaped by init).
        var gone = false
        for _ in 0..<100 where !gone {
            gone = kill(background, 0) != 0 || (try? String(contentsOfFile: "/proc/\(background)/stat", encoding: .utf8))?
                .split(separator: " ").dropFirst(2).first == "Z"
            if !gone { usleep(20_000) }
        }
        #expect(gone)
    }

    @Test("a missing program cannot start, and says which")
    func missingProgram() {
        let missing = runner.run(["/nonexistent/on-video"], stdin: [], environment: [:], timeout: .seconds(1))
        #expect(missing.ending == .couldNotStart("cannot run /nonexistent/on-video: No such file or directory"))
        #expect(runner.run([], stdin: [], environment: [:], timeout: .seconds(1)).ending == .couldNotStart("the command is empty"))
    }

    @Test("a command that never reads a large stdin does not hang us")
    func unreadStdin() {
        let big = [UInt8](repeating: 0x61, count: 1 << 20)
        let result = runner.run(["/bin/true"], stdin: big, environment: [:], timeout: .seconds(10))
        #expect(result.ending == .exited(0))
        #expect(result.duration < .seconds(5))
    }

    @Test("the child starts with no signal blocked even when the caller blocks SIGTERM, and gets none of our descriptors")
    func cleanChild() throws {
        var block = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGTERM)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &block, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let selfKill = runner.run(["/bin/sh", "-c", "kill -TERM $$; sleep 5"], stdin: [], environment: [:],
                                  timeout: .seconds(10))
        #expect(selfKill.ending == .killedBySignal(SIGTERM))
        // A descriptor of ours without O_CLOEXEC still does not reach the child.
        let leaked = open("/dev/null", O_RDONLY)
        defer { close(leaked) }
        let fds = runner.run(["/bin/ls", "/proc/self/fd"], stdin: [], environment: [:], timeout: .seconds(10))
        #expect(fds.succeeded)
        #expect(Set(fds.output.split(separator: "\n").map(String.init)).isSubset(of: ["0", "1", "2", "3"]),
                "only stdin, stdout, stderr and ls's own directory: \(fds.output)")
    }
}
