import Glibc
import Lifecycle

/// Why a command did not start, in words for the ledger and `events show`.
struct CommandStartError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// One spawned notification command: its pid, which is also its process group's id, the
/// write end of its standard input and the read end of its output (stdout and stderr on
/// one pipe, so they interleave as they came). Both ends are ours, non-blocking and
/// close-on-exec; -1 once closed.
///
/// The child is waited for with `waitid(WNOWAIT)` first and reaped after: until it is
/// reaped its pid cannot be reused, so `signalGroup` never reaches a stranger's group.
struct CommandProcess {
    let pid: pid_t
    private(set) var input: Int32
    private(set) var output: Int32
    private var reaped = false

    /// Starts `argv[0]` with `argv` and exactly `environment`: no shell and no PATH
    /// lookup (`posix_spawn`, not `posix_spawnp`: a program named without a slash is
    /// refused, so what runs never depends on the unit's PATH or working directory).
    ///
    /// The child is started by ``ChildSpawn`` (its own process group, a clean signal
    /// state), with no descriptor but the pipes as 0, 1 and 2.
    static func spawn(_ argv: [String], environment: [String: String]) throws(CommandStartError) -> CommandProcess {
        guard let program = argv.first, !program.isEmpty else { throw CommandStartError("the command is empty") }
        guard program.contains("/") else {
            throw CommandStartError("cannot run \(program): not a path (commands are not looked up in PATH; give its absolute path)")
        }
        if argv.contains(where: { $0.utf8.contains(0) }) {
            throw CommandStartError("cannot run \(program): an argument holds a NUL byte")
        }
        for (name, value) in environment where name.isEmpty || name.utf8.contains(UInt8(ascii: "="))
            || name.utf8.contains(0) || value.utf8.contains(0) {
            throw CommandStartError("cannot run \(program): environment variable name \(name.debugDescription) is not valid")
        }
        let input = try pipe()
        let output: (read: Int32, write: Int32)
        do { output = try pipe() } catch {
            close(input.read); close(input.write)
            throw error
        }
        let spawned = ChildSpawn.start(program, argv: argv, environment: environment,
                                       stdin: input.read, stdout: output.write, stderr: output.write)
        close(input.read)
        close(output.write)
        switch spawned {
        case .success(let pid):
            // Each end of a pipe is its own open file description: O_NONBLOCK on ours
            // leaves the child's ends blocking, as a program expects of its stdio.
            for end in [input.write, output.read] { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
            return CommandProcess(pid: pid, input: input.write, output: output.read)
        case .failure(let failure):
            close(input.write); close(output.read)
            throw CommandStartError(failure.text)
        }
    }

    /// Whether the child has exited, without reaping it.
    func hasExited() -> Bool {
        var info = siginfo_t()
        while true {
            if waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 { return info._sifields._sigchld.si_pid == pid }
            // ECHILD: someone else reaped it (SIGCHLD set to SIG_IGN does that); it is gone.
            if errno != EINTR { return true }
        }
    }

    /// A signal to every process in the child's group. Only before `reap`.
    func signalGroup(_ signal: Int32) {
        precondition(!reaped, "the child's pid may have been reused")
        _ = kill(-pid, signal)
    }

    mutating func closeInput() {
        if input >= 0 { close(input) }
        input = -1
    }

    /// Reads what is there; closes the output at its end or on an error.
    mutating func readOutput(into buffer: inout CommandOutputBuffer) {
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while output >= 0 {
            let count = read(output, &chunk, chunk.count)
            if count > 0 {
                buffer.append(chunk[0..<count])
                if count < chunk.count { return }
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                if count < 0 && errno == EAGAIN { return }
                close(output)
                output = -1
            }
        }
    }

    /// Writes what the pipe takes of `bytes[written...]`; closes the input when all is
    /// written or the command will not take more (EPIPE: it exited or closed its input).
    mutating func writeInput(_ bytes: [UInt8], written: inout Int) {
        while input >= 0 && written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(input, $0.baseAddress, min($0.count, 64 << 10)) }
            if count > 0 {
                written += count
            } else if count < 0 && errno == EINTR {
                continue
            } else if count < 0 && errno == EAGAIN {
                return
            } else {
                break
            }
        }
        closeInput()
    }

    /// Waits for the child (it has exited or been sent SIGKILL), reaps it, closes our ends.
    mutating func reap() -> CommandOutcome.Ending {
        closeInput()
        if output >= 0 { close(output) }
        output = -1
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, 0) } while result < 0 && errno == EINTR
        reaped = true
        // ECHILD: reaped elsewhere (SIGCHLD ignored); its status is lost.
        guard result == pid else { return .couldNotStart("waitpid \(pid): \(errnoText(errno))") }
        // WIFEXITED, WEXITSTATUS and WTERMSIG are macros: the bits as glibc lays them out.
        // No WUNTRACED, so a stopped child is never reported.
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .killedBySignal(signal)
    }

    private static func pipe() throws(CommandStartError) -> (read: Int32, write: Int32) {
        switch ChildSpawn.pipe() {
        case .success(let ends): return ends
        case .failure(let failure): throw CommandStartError(failure.text)
        }
    }
}

func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }
