import CLinux
import Glibc

/// Starts a program as a child of the daemon, the one way the daemon does it (the
/// notifier's commands, the poster's ffmpeg): in a process group of its own (pgid = its
/// pid, so that a kill of the group reaches whatever it started), with an empty signal
/// mask and every signal at its default disposition (the daemon blocks SIGTERM, SIGINT
/// and SIGHUP in every thread and ignores SIGPIPE, and a child would inherit both), the
/// given descriptors as its 0, 1 and 2 (nil: /dev/null), and no other descriptor of the
/// daemon: `posix_spawn_file_actions_addclosefrom_np` closes everything from 3, whatever
/// its flags.
public enum ChildSpawn {
    /// Why a child could not start, as a line for the log: "cannot run PROGRAM: …".
    public struct Failure: Error, Equatable, Sendable {
        public let text: String
    }

    /// Starts `program` (a path) with `argv` and `environment`; the descriptors must be
    /// at 3 or above (``pipe()`` makes them so), so that no dup2 onto 0, 1 or 2
    /// overwrites the source of another. Returns the child's pid.
    public static func start(_ program: String, argv: [String], environment: [String: String],
                             stdin: Int32?, stdout: Int32?, stderr: Int32?) -> Result<pid_t, Failure> {
        func failure(_ reason: String) -> Result<pid_t, Failure> { .failure(Failure(text: "cannot run \(program): \(reason)")) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var failed: Int32 = 0
        for (target, source) in [(Int32(0), stdin), (1, stdout), (2, stderr)] where failed == 0 {
            if let source {
                failed = posix_spawn_file_actions_adddup2(&actions, source, target)
            } else {
                failed = posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            }
        }
        if failed == 0 { failed = posix_spawn_file_actions_addclosefrom_np(&actions, 3) }
        guard failed == 0 else { return failure("posix_spawn file actions: \(errnoText(failed))") }

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
        guard failed == 0 else { return failure("posix_spawn attributes: \(errnoText(failed))") }

        let arguments = argv.map { strdup($0) } + [nil]
        let variables = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in arguments { free(pointer) }
            for pointer in variables { free(pointer) }
        }
        var pid: pid_t = 0
        // glibc's posix_spawn reports a failed exec (ENOENT, EACCES, ENOEXEC) as its result.
        failed = posix_spawn(&pid, program, &actions, &attributes, arguments, variables)
        guard failed == 0 else { return failure(errnoText(failed)) }
        return .success(pid)
    }

    /// A pipe whose ends are close-on-exec and at 3 or above even if 0, 1 or 2 were
    /// closed. `pipe2(O_CLOEXEC)` is hidden by Swift's Glibc module (it wants _GNU_SOURCE),
    /// so the flag is set just after: in that moment only another spawn could inherit the
    /// ends, and every spawn in the daemon is ``start(_:argv:environment:stdin:stdout:stderr:)``,
    /// which closes all from 3.
    public static func pipe() -> Result<(read: Int32, write: Int32), Failure> {
        var ends: [Int32] = [-1, -1]
        guard Glibc.pipe(&ends) == 0 else { return .failure(Failure(text: "pipe: \(errnoText(errno))")) }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        for index in ends.indices where ends[index] < 3 {
            let moved = fcntl(ends[index], F_DUPFD_CLOEXEC, 3)
            let failure = errno
            close(ends[index])
            ends[index] = moved
            if moved < 0 {
                for end in ends where end >= 0 { close(end) }
                return .failure(Failure(text: "fcntl F_DUPFD_CLOEXEC: \(errnoText(failure))"))
            }
        }
        return .success((ends[0], ends[1]))
    }

    private static func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }
}
