import Ledger
import VideoAPI

/// The `tasks` command's table: one task a line, columns aligned.
enum TaskTable {
    static func render(_ tasks: [TaskSummary], status: TaskStatus? = nil) -> String {
        guard !tasks.isEmpty else {
            return status.map { "no tasks with status \($0.rawValue)" } ?? "no tasks yet"
        }
        var table = TextTable(header: ["ID", "STATUS", "PROGRESS", "CREATED (UTC)", "LAST SEEN (UTC)", "DOWNLOAD"])
        for task in tasks {
            table.rows.append([
                TerminalText.escape(task.id),
                task.status.rawValue,
                task.progress.map { "\($0)%" } ?? "-",
                task.created.map { UTCTime.format(unixSeconds: $0) } ?? "-",
                UTCTime.format(task.lastSeen),
                task.downloadState?.rawValue ?? "-",
            ])
        }
        let noun = tasks.count == 1 ? "task" : "tasks"
        return table.render() + "\n\(tasks.count) \(noun)"
    }
}
