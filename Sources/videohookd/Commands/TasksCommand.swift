import ArgumentParser
import Ledger
import VideoAPI

/// `videohookd tasks [--status S] [--json]`: the tasks in the ledger, newest first.
struct TasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks",
        abstract: "List the tasks in the ledger, newest first.",
        discussion: "Reads the ledger while `serve` runs; never writes to it.")

    @OptionGroup var location: LedgerLocation

    @Option(help: ArgumentHelp("Only tasks in this status: \(TaskStatus.allCases.map(\.rawValue).joined(separator: ", ")).",
                               valueName: "status"),
            transform: TasksCommand.parseStatus)
    var status: TaskStatus?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        try failingWithMessage {
            let ledger = try location.openForReading()
            let tasks: [TaskSummary]
            do throws(LedgerError) {
                tasks = try ledger.tasks(status: status)
            } catch {
                throw CommandFailure(error.description)
            }
            print(json ? try LedgerJSON.encode(tasks) : TaskTable.render(tasks, status: status))
        }
    }

    static func parseStatus(_ text: String) throws -> TaskStatus {
        guard let status = TaskStatus(rawValue: text.lowercased()) else {
            throw ValidationError("unknown status '\(text)'; use one of: \(TaskStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return status
    }
}
