import ArgumentParser
import Foundation
import Ledger
import VideoAPI

/// `videohookd retry TASK_ID`: puts a failed download back in the queue.
struct RetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Put a task's failed download back in the queue.",
        discussion: """
            The job goes back to queued with its attempts at 0 and is due at once; a running \
            `serve` takes it at its next look (within a few seconds). Only a failed job is \
            put back: a queued, running or done one is left as it is. A link past its \
            24-hour deadline gets one attempt, which a CDN usually answers 403 or 410.

            Exit status: 0 queued again, 1 nothing to retry or an error.
            """)

    @OptionGroup var location: LedgerLocation

    @Argument(help: ArgumentHelp("The task id, as in `videohookd tasks`.", valueName: "task-id"))
    var taskID: String

    func run() throws {
        try failingWithMessage {
            guard let id = TaskID(taskID) else {
                throw CommandFailure("'\(TerminalText.escape(taskID))' is not a task id: ids have 1 to \(TaskID.maxLength) letters, digits, '-' or '_'")
            }
            let ledger = try location.openForWriting()
            let outcome: DownloadRetryOutcome
            do throws(LedgerError) {
                outcome = try ledger.retryDownload(taskID: id)
            } catch {
                throw CommandFailure(error.description)
            }
            switch outcome {
            case .requeued(let job):
                var lines = ["queued the download of \(id) again (it had failed: \(TerminalText.escape(job.lastError ?? "no reason recorded")))"]
                if job.deadline < Date() {
                    lines.append("note: its link expired at \(UTCTime.format(job.deadline)) UTC; the attempt will likely be refused unless api.key lets the daemon ask for a fresh link")
                }
                print(lines.joined(separator: "\n"))
            case .noJob:
                let status = (try? ledger.task(id: id))??.task.status.rawValue
                throw CommandFailure(status.map { "task \(id) has no download job: it is \($0), not completed" }
                                     ?? "no task \(id) in the ledger at \(ledger.path); `videohookd tasks` lists the known ones")
            case .notFailed(let job):
                let detail = job.state == .done ? " (archived at \(job.archivePath.map(TerminalText.escape) ?? "-"))" : ""
                throw CommandFailure("the download of \(id) is \(job.state.rawValue)\(detail), not failed: nothing to retry")
            }
        }
    }
}
