import Glibc
import Transport

/// Runs one notification command: argv as given (no shell, no PATH lookup), the event's
/// body on its standard input, its standard output and error collected in arrival order
/// (at most `outputLimit` bytes kept), for at most `timeout`.
///
/// The child runs in its own process group with an empty signal mask, default signal
/// dispositions and only its three pipes (see ``CommandProcess``). On timeout the whole
/// group gets SIGTERM, and SIGKILL after `killGrace`; when the command exits by itself,
/// whatever it left running in its group gets SIGKILL, so no run outlives its outcome and
/// nothing holds our pipe (a program meant to outlive its command must leave the group,
/// with `setsid`). The child is always reaped, with `waitpid`: nothing here touches
/// SIGCHLD, whose handling belongs to the daemon's signal watcher. Without SIGCHLD or a
/// pidfd the child's exit is noticed by polling, every 50 ms at most, while its output
/// is open, and from 1 ms backing off to 50 ms once it has closed.
///
/// Sendable and stateless: any number of runs at once, from any threads.
public struct CommandRunner: Sendable {
    public let outputLimit: Int
    /// How long the group gets between SIGTERM and SIGKILL after a timeout.
    public let killGrace: Duration

    public init(outputLimit: Int = 4096, killGrace: Duration = .seconds(2)) {
        self.outputLimit = outputLimit
        self.killGrace = killGrace
    }

    /// Runs `argv[0]` with `argv`, `stdin` written to its standard input then closed,
    /// `environment` as its whole environment; waits at most `timeout` (then `killGrace`
    /// more for the group to die). `duration` is measured on CLOCK_MONOTONIC.
    public func run(_ argv: [String], stdin: [UInt8], environment: [String: String], timeout: Duration) -> CommandOutcome {
        let started = MonotonicClock.nanoseconds()
        let deadline = Self.adding(timeout, to: started)
        // A command that exits without reading its input makes our write fail with EPIPE,
        // not kill the daemon, only while SIGPIPE is ignored: the daemon ignores it at
        // start; so does every module that writes to a peer, whoever calls it.
        signal(SIGPIPE, SIG_IGN)
        var buffer = CommandOutputBuffer(limit: outputLimit)
        let ending: CommandOutcome.Ending
        do {
            var process = try CommandProcess.spawn(argv, environment: environment)
            ending = supervise(&process, stdin: stdin, deadline: deadline, output: &buffer)
        } catch {
            ending = .couldNotStart(error.reason)
        }
        return CommandOutcome(ending: ending, output: buffer.text,
                              duration: .nanoseconds(Int64(clamping: MonotonicClock.nanoseconds() &- started)))
    }

    /// Feeds the input and drains the output with poll until the child exits or the
    /// deadline passes; reaps the child in either case.
    private func supervise(_ process: inout CommandProcess, stdin: [UInt8], deadline: UInt64,
                           output buffer: inout CommandOutputBuffer) -> CommandOutcome.Ending {
        var written = 0
        process.writeInput(stdin, written: &written)
        var idleWait: Int32 = 1
        while true {
            let now = MonotonicClock.nanoseconds()
            guard now < deadline else { return stopAfterTimeout(&process, output: &buffer) }
            if process.hasExited() {
                process.closeInput()
                process.signalGroup(SIGKILL)
                process.readOutput(into: &buffer)
                return process.reap()
            }
            var fds = [pollfd(fd: process.output, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: process.input, events: Int16(POLLOUT), revents: 0)]
            let idle = process.output < 0 && process.input < 0
            let wait = min(Self.milliseconds(until: deadline, from: now), idle ? idleWait : 50)
            if idle { idleWait = min(idleWait * 2, 50) }
            guard poll(&fds, 2, wait) > 0 else { continue }
            if fds[0].revents != 0 { process.readOutput(into: &buffer) }
            if fds[1].revents != 0 { process.writeInput(stdin, written: &written) }
        }
    }

    /// SIGTERM to the group; SIGKILL once the child has gone or the grace is over; then
    /// reaps it. Output that comes meanwhile is still read.
    private func stopAfterTimeout(_ process: inout CommandProcess, output buffer: inout CommandOutputBuffer)
        -> CommandOutcome.Ending {
        process.closeInput()
        process.signalGroup(SIGTERM)
        let graceEnd = Self.adding(killGrace, to: MonotonicClock.nanoseconds())
        while !process.hasExited() {
            let now = MonotonicClock.nanoseconds()
            guard now < graceEnd else { break }
            var fds = [pollfd(fd: process.output, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 1, min(Self.milliseconds(until: graceEnd, from: now), 20)) > 0 {
                process.readOutput(into: &buffer)
            }
        }
        process.signalGroup(SIGKILL)
        process.readOutput(into: &buffer)
        _ = process.reap()
        return .timedOut
    }

    /// `start` + `duration` in nanoseconds, saturating (a negative duration adds nothing).
    private static func adding(_ duration: Duration, to start: UInt64) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return start }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        let nanoseconds = overflow ? UInt64.max : whole &+ UInt64(max(0, attoseconds) / 1_000_000_000)
        let (sum, past) = start.addingReportingOverflow(nanoseconds)
        return past || nanoseconds < whole ? .max : sum
    }

    /// Milliseconds to `deadline`, rounded up, for poll.
    private static func milliseconds(until deadline: UInt64, from now: UInt64) -> Int32 {
        Int32(clamping: (deadline - now + 999_999) / 1_000_000)
    }
}
