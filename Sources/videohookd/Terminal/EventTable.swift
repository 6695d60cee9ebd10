import Ledger

/// The `events` command's table: one event a line, its deliveries summed up.
enum EventTable {
    static func render(_ events: [NotificationEventRecord]) -> String {
        guard !events.isEmpty else { return "no events" }
        var table = TextTable(header: ["EVENT", "TYPE", "TASK", "CREATED (UTC)", "STATUS", "DELIVERIES"])
        for event in events {
            let deliveries = event.deliveries.isEmpty ? "no target"
                : event.deliveries.map { "\(TerminalText.escape($0.target)): \($0.state) (\($0.attempts))" }.joined(separator: "; ")
            table.rows.append([event.id, event.type.name, TerminalText.escape(event.taskID), UTCTime.format(event.createdAt),
                               event.status.rawValue, deliveries])
        }
        return table.render() + "\n\(events.count) event\(events.count == 1 ? "" : "s")"
    }
}
