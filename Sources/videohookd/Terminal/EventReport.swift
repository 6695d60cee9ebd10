import Ledger

/// `events show`: the event, each delivery, each attempt, and the body as sent. The
/// body holds no secret (signatures are made per attempt and not kept).
enum EventReport {
    static func render(_ detail: NotificationEventDetail) -> String {
        let event = detail.event
        var lines = [
            "event       \(event.id)",
            "type        \(event.type.name)",
            "task        \(TerminalText.escape(event.taskID))",
            "created     \(UTCTime.format(event.createdAt)) UTC",
            "status      \(event.status.rawValue)",
        ]
        if event.deliveries.isEmpty { lines.append("deliveries  none: no target took this event when it was committed") }
        for delivery in event.deliveries {
            var line = "delivery    \(TerminalText.escape(delivery.target)): \(delivery.state), \(delivery.attempts) attempt\(delivery.attempts == 1 ? "" : "s")"
            if delivery.state == "pending" { line += ", next at \(UTCTime.format(delivery.nextAttemptAt)) UTC" }
            lines.append(line)
        }
        for attempt in detail.attempts {
            var line = "attempt     \(UTCTime.format(attempt.startedAt)) UTC  \(TerminalText.escape(attempt.target))  #\(attempt.attempt)  \(attempt.outcome)"
            if let status = attempt.httpStatus { line += "  HTTP \(status)" }
            if let code = attempt.exitCode { line += "  exit \(code)" }
            line += "  \(String(format: "%.1f", attempt.durationMilliseconds)) ms"
            if let error = attempt.error { line += "  \(TerminalText.escape(error))" }
            lines.append(line)
            if let output = attempt.output, !output.isEmpty { lines.append("  output    \(TerminalText.escape(output))") }
        }
        lines.append("body        \(TerminalText.escape(String(decoding: detail.body, as: UTF8.self)))")
        return lines.joined(separator: "\n")
    }
}
