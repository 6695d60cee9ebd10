import CLinux
import Foundation
import Glibc
import Transport

/// One ffmpeg run, to its end or its time limit. ffmpeg gets /dev/null as stdin and
/// stdout, a pipe as stderr (its error text, for the log line), its own process group,
/// default signal dispositions and an empty mask (the daemon blocks SIGTERM, SIGINT and
/// SIGHUP in every thread and ignores SIGPIPE, which a child would inherit), and no other
/// descriptor of the daemon.
struct FFmpegRun {
    enum Ending: Equatable {
        case exited(Int32)
        case killedBySignal(Int32)
        /// Killed (its whole group) after the time limit.
        case timedOut
        case couldNotStart(String)
    }

    /// How much of ffmpeg's error text is kept for the log.
    static let errorTextLimit = 2048

    /// Runs `argv` (argv[0] an absolute path) with `environment`; returns how it ended
    /// and the start of what it wrote to stderr. `cancelled` is asked every 20 ms: true
    /// kills the run as the time limit does.
    static func run(_ argv: [String], environment: [String: String], timeoutSeconds: Double,
                    cancelled: () -> Bool = { false }) -> (ending: Ending, errorText: String) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return (.couldNotStart("pipe: \(errnoText(errno))"), "") }
        let (readEnd, writeEnd) = (ends[0], ends[1])
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
        defer { close(readEnd) }
        let spawned = spawn(argv, environment: environment, stderr: writeEnd)
        close(writeEnd)
        guard case .success(let pid) = spawned else {
            if case .failure(let reason) = spawned { return (.couldNotStart(reason.text), "") }
            return (.couldNotStart("?"), "")
        }
        var errorText: [UInt8] = []
        let deadline = MonotonicClock.nanoseconds() &+ UInt64(max(0, timeoutSeconds) * 1e9)
        var status: Int32 = 0
        while true {
            drain(readEnd, into: &errorText)
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { break }
            if result < 0 && errno != EINTR {
                return (.couldNotStart("waitpid \(pid): \(errnoText(errno))"), text(errorText))
            }
            if MonotonicClock.nanoseconds() >= deadline || cancelled() {
                _ = kill(-pid, SIGKILL)
                var ignored: Int32 = 0
                while waitpid(pid, &ignored, 0) < 0 && errno == EINTR {}
                return (.timedOut, text(errorText))
            }
            usleep(20_000)
        }
        drain(readEnd, into: &errorText)
        // WIFEXITED and WEXITSTATUS are macros: the bits as glibc lays them out.
        let signal = status & 0x7F
        return (signal == 0 ? .exited((status >> 8) & 0xFF) : .killedBySignal(signal), text(errorText))
    }

    private struct StartFailure: Error { var text: String }

    private static func spawn(_ argv: [String], environment: [String: String], stderr: Int32) -> Result<pid_t, StartFailure> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var failed = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if failed == 0 { failed = posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0) }
        if failed == 0 { failed = posix_spawn_file_actions_adddup2(&actions, stderr, 2) }
        if failed == 0 { failed = posix_spawn_file_actions_addclosefrom_np(&actions, 3) }
        guard failed == 0 else { return .failure(StartFailure(text: "posix_spawn file actions: \(errnoText(failed))")) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var every = sigset_t()
        sigfillset(&every)
        failed = posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        if failed == 0 { failed = posix_spawnattr_setpgroup(&attributes, 0) }
        if failed == 0 { failed = posix_spawnattr_setsigmask(&attributes, &empty) }
        if failed == 0 { failed = posix_spawnattr_setsigdefault(&attributes, &every) }
        guard failed == 0 else { return .failure(StartFailure(text: "posix_spawn attributes: \(errnoText(failed))")) }

        let arguments = argv.map { strdup($0) } + [nil]
        let variables = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in arguments { free(pointer) }
            for pointer in variables { free(pointer) }
        }
        var pid: pid_t = 0
        failed = posix_spawn(&pid, argv[0], &actions, &attributes, arguments, variables)
        guard failed == 0 else { return .failure(StartFailure(text: "cannot run \(argv[0]): \(errnoText(failed))")) }
        return .success(pid)
    }

    private static func drain(_ descriptor: Int32, into buffer: inout [UInt8]) {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(descriptor, &chunk, chunk.count)
            if count > 0 {
                let room = max(0, errorTextLimit - buffer.count)
                buffer.append(contentsOf: chunk[0..<min(count, room)])
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }

    private static func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

private func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }
