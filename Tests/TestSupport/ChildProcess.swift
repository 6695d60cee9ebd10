import Foundation
import Glibc

/// A child process started with `posix_spawn`, for what Foundation's `Process` cannot do:
/// place a descriptor at a chosen number (socket activation passes the listener as fd 3).
/// Standard output and error are collected; every other descriptor of the test process
/// is closed in the child, so a daemon that outlives one test holds nothing of another.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `exit` is behind a lock; everything else is set once in `init`.
    public let pid: pid_t
    let output: OutputCollector
    private let exit = NSCondition()
    private var exitStatus: Int32?

    /// Spawns `executable` with `arguments` (argv[0] included) and exactly `environment`.
    /// - Parameter descriptors: child descriptor → the test's descriptor placed there.
    public init(executable: String, arguments: [String], environment: [String: String],
                descriptors: [Int32: Int32] = [:]) throws {
        // dup2 in order would overwrite a source that sits where an earlier one lands. At
        // least 2: a descriptor placed at 0 (a pipe as stdin) leaves stdout and stderr open.
        let lastTarget = max(descriptors.keys.max() ?? 2, 2)
        if let clash = descriptors.values.first(where: { $0 <= lastTarget }) {
            throw DaemonError("descriptor \(clash) is among the targets 0...\(lastTarget); pass one above them")
        }
        let output = OutputCollector()
        self.output = output
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, output.pipe.fileHandleForWriting.fileDescriptor, 1)
        posix_spawn_file_actions_adddup2(&actions, output.errorPipe.fileHandleForWriting.fileDescriptor, 2)
        for (target, source) in descriptors.sorted(by: { $0.key < $1.key }) {
            posix_spawn_file_actions_adddup2(&actions, source, target)
        }
        guard try Self.addCloseFrom(&actions, lastTarget + 1) == 0 else { throw DaemonError("posix_spawn_file_actions_addclosefrom_np failed") }

        // Default dispositions and an empty mask: the test runner's blocked or ignored
        // signals are not the daemon's business.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        sigdelset(&all, SIGKILL)
        sigdelset(&all, SIGSTOP)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        // The child has its copies; ours would keep the pipes from ever reaching the end.
        try? output.pipe.fileHandleForWriting.close()
        try? output.errorPipe.fileHandleForWriting.close()
        guard result == 0 else { throw DaemonError("posix_spawn \(executable): \(String(cString: strerror(result)))") }
        self.pid = pid
        let thread = Thread { [self] in reap() }
        thread.name = "reap-\(pid)"
        thread.start()
    }

    /// glibc 2.34 has `posix_spawn_file_actions_addclosefrom_np`, but Swift's Glibc module
    /// leaves out the GNU extensions: found at run time instead.
    private static func addCloseFrom(_ actions: inout posix_spawn_file_actions_t, _ from: Int32) throws -> Int32 {
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else {
            throw DaemonError("this glibc has no posix_spawn_file_actions_addclosefrom_np (glibc 2.34 or later needed)")
        }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, from)
    }

    private func reap() {
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, 0) } while result < 0 && errno == EINTR
        let signal = status & 0x7f
        exit.lock()
        // -1 when the status was lost (someone else reaped the child): never mistaken
        // for a clean exit.
        exitStatus = result != pid ? -1 : signal == 0 ? (status >> 8) & 0xff : 128 + signal
        exit.broadcast()
        exit.unlock()
    }

    public var isRunning: Bool { exitStatusNow == nil }

    /// The exit code, or 128 + the signal that ended it, as a shell says; -1 when the
    /// status could not be read; nil while it runs.
    public var exitStatusNow: Int32? {
        exit.lock()
        defer { exit.unlock() }
        return exitStatus
    }

    /// Waits for the exit; nil when the child still runs after `timeout` seconds.
    public func waitForExit(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        exit.lock()
        while exitStatus == nil, exit.wait(until: deadline) {}
        let status = exitStatus
        exit.unlock()
        // What the child wrote last may still be on its way through the reader threads.
        // A process that left children holding its output (a command's leftovers) ends
        // this wait at its bound; the daemon itself closes both pipes as it exits.
        if status != nil { output.waitForEnd(timeout: 2) }
        return status
    }

    public func signal(_ number: Int32) {
        if isRunning { kill(pid, number) }
    }

    public var standardOutput: String { output.text }
    public var standardError: String { output.errorText }
}
