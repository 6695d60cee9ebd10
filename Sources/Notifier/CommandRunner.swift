import CLinux
import Glibc
import Transport

/// Runs one notification command: argv as given (no shell), the event's body on its
/// standard input, its standard output and error collected (at most `outputLimit`
/// bytes kept), at most `timeout`.
///
/// The child gets its own process group, so a timeout kills everything it started; an
/// empty signal mask and default dispositions (the daemon blocks SIGTERM, SIGINT and
/// SIGHUP in every thread, and a child would inherit that); and no descriptor but its
/// three pipes. Nothing here uses SIGCHLD: the child is reaped with `waitpid`.
public struct CommandRunner: Sendable {
    public let outputLimit: Int
    /// How long a child gets between SIGTERM and SIGKILL after its timeout.
    public let killGrace: Duration

    public init(outputLimit: Int = 4096, killGrace: Duration = .seconds(2)) {
        self.outputLimit = outputLimit
        self.killGrace = killGrace
    }

    public func run(_ argv: [String], stdin: [UInt8], environment: [String: String], timeout: Duration) -> CommandOutcome {
        let started = MonotonicClock.nanoseconds()
        func outcome(_ ending: CommandOutcome.Ending, _ output: String = "") -> CommandOutcome {
            CommandOutcome(ending: ending, output: output,
                           duration: .nanoseconds(Int64(MonotonicClock.nanoseconds() &- started)))
        }
        guard let program = argv.first, !program.isEmpty else { return outcome(.couldNotStart("the command is empty")) }
        // A command that exits without reading its input makes the write fail: with
        // EPIPE once SIGPIPE is ignored, as the daemon does; make sure, whoever calls.
        signal(SIGPIPE, SIG_IGN)
        var input: [Int32] = [-1, -1]
        var output: [Int32] = [-1, -1]
        guard Self.pipeClosedOnExec(&input) else { return outcome(.couldNotStart("pipe: \(Self.errnoText())")) }
        guard Self.pipeClosedOnExec(&output) else {
            close(input[0]); close(input[1])
            return outcome(.couldNotStart("pipe: \(Self.errnoText())"))
        }
        let spawned = Self.spawn(program, argv, environment, stdinFD: input[0], outputFD: output[1])
        close(input[0])
        close(output[1])
        let pid: pid_t
        switch spawned {
        case .failure(let reason):
            close(input[1]); close(output[0])
            return outcome(.couldNotStart(reason))
        case .success(let child):
            pid = child
        }
        var collector = OutputCollector(limit: outputLimit)
        let deadline = started &+ UInt64(max(0, timeout.seconds) * 1e9)
        let ending = exchange(pid: pid, stdin: stdin, writeFD: input[1], readFD: output[0], deadline: deadline,
                              collector: &collector)
        close(output[0])
        return outcome(ending, collector.text)
    }

    /// Feeds stdin, drains the output, and waits for the child, all with poll until the
    /// deadline; then reaps it. Closes `writeFD`.
    private func exchange(pid: pid_t, stdin: [UInt8], writeFD: Int32, readFD: Int32, deadline: UInt64,
                          collector: inout OutputCollector) -> CommandOutcome.Ending {
        var writeFD = writeFD
        _ = fcntl(writeFD, F_SETFL, fcntl(writeFD, F_GETFL) | O_NONBLOCK)
        var written = 0
        if stdin.isEmpty { close(writeFD); writeFD = -1 }
        var outputOpen = true
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while outputOpen || writeFD >= 0 {
            let now = MonotonicClock.nanoseconds()
            if now >= deadline {
                if writeFD >= 0 { close(writeFD) }
                killGroup(pid)
                return .timedOut
            }
            var fds = [pollfd(fd: outputOpen ? readFD : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: writeFD, events: Int16(POLLOUT), revents: 0)]
            let wait = Int32(clamping: (deadline - now) / 1_000_000 + 1)
            let ready = poll(&fds, 2, min(wait, 1000))
            if ready < 0 && errno != EINTR { break }
            if fds[0].revents != 0 {
                let count = read(readFD, &buffer, buffer.count)
                if count > 0 {
                    collector.append(buffer[0..<count])
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    outputOpen = false
                }
            }
            if writeFD >= 0 && fds[1].revents != 0 {
                let count = stdin[written...].withUnsafeBytes { write(writeFD, $0.baseAddress, $0.count) }
                if count > 0 { written += count }
                // EPIPE: the command exited or closed its input without reading it all.
                if written == stdin.count || (count < 0 && errno != EAGAIN && errno != EINTR) {
                    close(writeFD)
                    writeFD = -1
                }
            }
        }
        if writeFD >= 0 { close(writeFD) }
        // The output closed: the child (or all that held the pipe) is done or about to be.
        while true {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                // Whatever the command left running in its group goes with it.
                _ = kill(-pid, SIGKILL)
                return Self.ending(status)
            }
            if result < 0 && errno != EINTR { return .couldNotStart("waitpid: \(Self.errnoText())") }
            if MonotonicClock.nanoseconds() >= deadline {
                killGroup(pid)
                return .timedOut
            }
            usleep(2_000)
        }
    }

    /// SIGTERM to the whole group, SIGKILL after the grace, then reaps the child.
    private func killGroup(_ pid: pid_t) {
        _ = kill(-pid, SIGTERM)
        let until = MonotonicClock.nanoseconds() &+ UInt64(killGrace.seconds * 1e9)
        var status: Int32 = 0
        while MonotonicClock.nanoseconds() < until {
            if waitpid(pid, &status, WNOHANG) == pid {
                _ = kill(-pid, SIGKILL)
                return
            }
            usleep(5_000)
        }
        _ = kill(-pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    private static func ending(_ status: Int32) -> CommandOutcome.Ending {
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros: the bits as glibc defines them.
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .killedBySignal(signal)
    }

    private enum Spawned {
        case success(pid_t)
        case failure(String)
    }

    private static func spawn(_ program: String, _ argv: [String], _ environment: [String: String],
                              stdinFD: Int32, outputFD: Int32) -> Spawned {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinFD, 0)
        posix_spawn_file_actions_adddup2(&actions, outputFD, 1)
        posix_spawn_file_actions_adddup2(&actions, outputFD, 2)
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        let arguments = argv.map { strdup($0) } + [nil]
        let variables = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in arguments { free(pointer) }
            for pointer in variables { free(pointer) }
        }
        var pid: pid_t = 0
        // posix_spawn, not posix_spawnp: `run` names its program by path (check-config
        // asks for an absolute one), and PATH lookups would depend on the unit's environment.
        let result = posix_spawn(&pid, program, &actions, &attributes, arguments, variables)
        guard result == 0 else {
            return .failure("cannot run \(program): \(String(cString: strerror(result)))")
        }
        return .success(pid)
    }

    /// A pipe whose ends no other child inherits (every spawn here also closes all but
    /// its own three descriptors, so the moment before FD_CLOEXEC is set cannot leak them).
    private static func pipeClosedOnExec(_ ends: inout [Int32]) -> Bool {
        guard pipe(&ends) == 0 else { return false }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return true
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// The command's output, kept up to a limit; what is past it is counted.
struct OutputCollector {
    let limit: Int
    private var kept: [UInt8] = []
    private var dropped = 0

    init(limit: Int) { self.limit = limit }

    mutating func append(_ bytes: ArraySlice<UInt8>) {
        let room = max(0, limit - kept.count)
        kept.append(contentsOf: bytes.prefix(room))
        dropped += max(0, bytes.count - room)
    }

    var text: String {
        var end = kept.count
        // Not inside a character: back off continuation bytes of a cut sequence.
        if dropped > 0 { while end > 0 && kept[end - 1] & 0xC0 == 0x80 { end -= 1 }; if end > 0 && kept[end - 1] >= 0xC0 { end -= 1 } }
        let text = String(decoding: kept[0..<end], as: UTF8.self)
        return dropped > 0 ? text + "… (\(dropped + kept.count - end) more bytes)" : text
    }
}
