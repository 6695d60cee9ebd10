import Foundation
import Glibc
import Lifecycle
import Transport

/// One ffmpeg run, to its end or its time limit. ffmpeg gets /dev/null as stdin and
/// stdout, a pipe as stderr (its error text, for the log line), and is started by
/// ``ChildSpawn``: its own process group, a clean signal state, no other descriptor of
/// the daemon.
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
        let readEnd: Int32, writeEnd: Int32
        switch ChildSpawn.pipe() {
        case .success(let ends): (readEnd, writeEnd) = ends
        case .failure(let failure): return (.couldNotStart(failure.text), "")
        }
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
        defer { close(readEnd) }
        let spawned = ChildSpawn.start(argv[0], argv: argv, environment: environment, stdin: nil, stdout: nil,
                                       stderr: writeEnd)
        close(writeEnd)
        let pid: pid_t
        switch spawned {
        case .success(let started): pid = started
        case .failure(let failure): return (.couldNotStart(failure.text), "")
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
