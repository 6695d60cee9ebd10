import Daemon
import Foundation
import Glibc
import Ledger
import VideoAPI

/// Watches one submitted task in the ledger until its video is archived or it cannot
/// be: `submit --wait`. It only reads; `serve` receives the callback, asks the API and
/// downloads. Each poll reads the task (``WaitPhase``) and hands a ``WaitProgress`` to
/// the display; every few seconds it also looks for a live `serve`, since without one
/// nothing would ever change.
struct TaskWatcher {
    let taskID: TaskID
    let limits: WaitLimits
    /// The task as the ledger has it now.
    let read: () throws(LedgerError) -> TaskDetail?
    /// How many `serve` instances of this ledger are alive now.
    let liveServes: () throws(LedgerError) -> Int
    /// Sleeps between polls; returns the signal that cut the wait short, if any.
    let sleep: (Double) -> ReceivedSignal?
    let now: () -> Date

    init(taskID: TaskID, limits: WaitLimits, read: @escaping () throws(LedgerError) -> TaskDetail?,
         liveServes: @escaping () throws(LedgerError) -> Int, sleep: @escaping (Double) -> ReceivedSignal?,
         now: @escaping () -> Date = Date.init) {
        self.taskID = taskID
        self.limits = limits
        self.read = read
        self.liveServes = liveServes
        self.sleep = sleep
        self.now = now
    }

    /// Returns when the video is archived; throws how the wait ended otherwise.
    func watch(_ display: inout some WaitDisplay) throws(SubmitFailure) {
        let start = now()
        var rate = TransferRate()
        var lastServeCheck: Date?
        var noServeSince: Date?
        var progress: WaitProgress?
        let follow = "it goes on: follow it with `videohookd show \(taskID)`"

        while true {
            let moment = now()
            let detail: TaskDetail
            do {
                guard let found = try read() else {
                    throw SubmitFailure(.localFailure, "task \(taskID) is no longer in the ledger")
                }
                detail = found
                if lastServeCheck.map({ moment.timeIntervalSince($0) >= limits.serveCheckInterval }) ?? true {
                    lastServeCheck = moment
                    noServeSince = try liveServes() > 0 ? nil : (noServeSince ?? moment)
                }
            } catch let failure as SubmitFailure {
                throw failure
            } catch {
                throw SubmitFailure(.localFailure, "cannot read the ledger: \(error); task \(taskID) \(follow)")
            }

            let phase = WaitPhase(detail)
            if case .downloading = phase, let job = detail.downloadJob {
                rate.observe(bytes: job.bytesDone, at: job.updatedAt)
            } else {
                rate.reset()
            }
            let current = WaitProgress(phase: phase, bytesPerSecond: rate.bytesPerSecond,
                                       elapsed: moment.timeIntervalSince(start), apiChecks: detail.task.checkAttempts,
                                       warning: noServeSince.map { _ in Self.noServeWarning })
            progress = current

            if let status = phase.exitStatus {
                display.finish(current)
                if status == .created { return }
                throw SubmitFailure(status, Self.endMessage(phase, taskID: taskID))
            }
            display.show(current)

            if let since = noServeSince, moment.timeIntervalSince(since) >= limits.serveGrace {
                display.finish(current)
                throw SubmitFailure(.noServe, "no `videohookd serve` has been alive for this ledger for "
                    + "\(Int(limits.serveGrace)) s (`videohookd instances` lists none alive): nothing receives the "
                    + "callback or downloads the video. Start it (systemctl start videohookd); task \(taskID) is "
                    + "recorded and is taken up then: follow it with `videohookd show \(taskID)`")
            }
            if moment.timeIntervalSince(start) >= limits.timeout {
                display.finish(current)
                throw SubmitFailure(.waitTimedOut, "stopped waiting after \(ElapsedText.format(limits.timeout)) "
                    + "(--timeout): task \(taskID) is \(WaitPhaseText.label(phase)); \(follow)")
            }
            if let signal = sleep(limits.pollInterval) {
                if let progress { display.finish(progress) }
                let status: SubmitExitStatus = signal.number == SIGTERM ? .terminated : .interrupted
                throw SubmitFailure(status, "\(signal.name): stopped waiting. Task \(taskID) is not cancelled: "
                    + "serve still receives and archives it; follow it with `videohookd show \(taskID)`")
            }
        }
    }

    static let noServeWarning = "no serve is running for this ledger: nothing will receive the callback or download the video"

    /// The stderr message of a task that ended without a video.
    static func endMessage(_ phase: WaitPhase, taskID: TaskID) -> String {
        switch phase {
        case .taskFailed(let code, let message):
            "task \(taskID) failed at the video API\(apiReason(code, message))"
        case .taskCancelled(let code, let message):
            "task \(taskID) was cancelled\(apiReason(code, message))"
        case .nothingToDownload(let reason):
            "task \(taskID) completed, but nothing is downloaded: \(TerminalText.escape(reason))"
        case .downloadFailed(let reason):
            "the download of task \(taskID) failed for good: \(reason.map(TerminalText.escape) ?? "no reason recorded"). "
                + "`videohookd retry \(taskID)` queues it again while its link is valid"
        default:
            "task \(taskID): \(WaitPhaseText.label(phase))"
        }
    }

    private static func apiReason(_ code: String?, _ message: String?) -> String {
        let parts = [code, message].compactMap { $0.map(TerminalText.escape) }
        return parts.isEmpty ? " (no error given)" : ": " + parts.joined(separator: ": ")
    }
}
