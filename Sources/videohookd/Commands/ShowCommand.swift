import ArgumentParser
import Ledger
import VideoAPI

/// `videohookd show TASK_ID [--json]`: one task, its events, its download job and its
/// object upload (when the archive is a bucket).
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one task: its state, its events, its download job and its object upload.",
        discussion: "Reads the ledger while `serve` runs; never writes to it.")

    @OptionGroup var location: LedgerLocation

    @Argument(help: ArgumentHelp("The task id, as in `videohookd tasks`.", valueName: "task-id"))
    var taskID: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        try failingWithMessage {
            guard let id = TaskID(taskID) else {
                throw CommandFailure("'\(TerminalText.escape(taskID))' is not a task id: ids have 1 to \(TaskID.maxLength) letters, digits, '-' or '_'")
            }
            let ledger = try location.openForReading()
            let detail: TaskDetail?
            do throws(LedgerError) {
                detail = try ledger.task(id: id)
            } catch {
                throw CommandFailure(error.description)
            }
            guard let detail else {
                throw CommandFailure("no task \(id) in the ledger at \(ledger.path); `videohookd tasks` lists the known ones")
            }
            print(json ? try LedgerJSON.encode(detail) : TaskDetailReport.render(detail))
        }
    }
}
