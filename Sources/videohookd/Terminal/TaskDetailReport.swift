import Foundation
import Ledger

/// The `show` command's text: the task, its events, its download job and its attempts,
/// and its object upload. Every value from outside goes through ``TerminalText``.
enum TaskDetailReport {
    static func render(_ detail: TaskDetail) -> String {
        let task = detail.task
        var lines: [String] = []
        func field(_ name: String, _ value: String) {
            lines.append(name.padding(toLength: 12, withPad: " ", startingAt: 0) + value)
        }
        field("task", TerminalText.escape(task.id))
        field("status", task.status.rawValue + (task.progress.map { " (\($0)%)" } ?? ""))
        field("model", task.model.map(TerminalText.escape) ?? "-")
        field("created", task.created.map { UTCTime.format(unixSeconds: $0) + " UTC" } ?? "-")
        field("first seen", UTCTime.format(task.firstSeen) + " UTC")
        field("last seen", UTCTime.format(task.lastSeen) + " UTC")
        if task.results.isEmpty {
            field("results", "-")
        }
        for (index, url) in task.results.enumerated() {
            field(index == 0 ? "results" : "", "\(index + 1). " + TerminalText.escape(url))
        }
        if task.errorCode != nil || task.errorMessage != nil {
            let code = task.errorCode.map(TerminalText.escape) ?? "-"
            field("error", code + (task.errorMessage.map { ": " + TerminalText.escape($0) } ?? ""))
        }
        field("submitted", task.submittedByUs ? "by this daemon" : "elsewhere (known from callbacks)")
        if let request = task.requestJSON {
            field("request", TerminalText.escape(request))
        }
        if let estimated = task.estimatedTime {
            field("estimated", "\(estimated) s")
        }
        if let verification = task.verification {
            field("verified", verification.rawValue + (task.verificationNote.map { ": " + TerminalText.escape($0) } ?? ""))
        }
        if task.checkAttempts > 0 || task.lastCheckNote != nil {
            var text = "\(task.checkAttempts) asked"
            if let last = task.lastCheckedAt { text += ", last at \(UTCTime.format(last)) UTC" }
            if let note = task.lastCheckNote { text += ": " + TerminalText.escape(note) }
            if let next = task.nextCheckAt, task.checksEndedAt == nil { text += "; next at \(UTCTime.format(next)) UTC" }
            field("API checks", text)
        }

        lines.append("")
        lines.append("events (\(detail.events.count))")
        var events = TextTable(header: ["STATUS", "EFFECT", "SEEN", "FIRST SEEN (UTC)", "LAST SEEN (UTC)", "PEER"])
        for event in detail.events {
            events.rows.append([
                event.status.rawValue,
                event.applied ? "applied" : "ignored",
                event.duplicateCount == 0 ? "once" : "\(event.duplicateCount + 1) times",
                UTCTime.format(event.firstSeen),
                UTCTime.format(event.lastSeen),
                TerminalText.escape(event.peer),
            ])
        }
        if !detail.events.isEmpty {
            lines.append(events.render(indent: "  "))
        }

        lines.append("")
        guard let job = detail.downloadJob else {
            lines.append("download job: none (created when the task completes)")
            return lines.joined(separator: "\n")
        }
        lines.append("download job")
        func jobField(_ name: String, _ value: String) {
            lines.append("  " + name.padding(toLength: 12, withPad: " ", startingAt: 0) + value)
        }
        jobField("state", job.state.rawValue)
        jobField("source", TerminalText.escape(job.sourceURL))
        jobField("deadline", UTCTime.format(job.deadline) + " UTC" + (job.deadline < Date() ? " (passed)" : ""))
        switch job.state {
        case .queued:
            jobField("attempts", "\(job.attempts) failed, next at \(UTCTime.format(job.nextAttemptAt)) UTC")
        case .running:
            jobField("attempts", "attempt \(job.attempts + 1) running")
        case .done, .failed:
            // The last attempt ends the job without being counted as a failed one.
            jobField("attempts", "\(job.attempts + 1) in all")
        }
        jobField("bytes", Self.bytes(done: job.bytesDone, total: job.bytesTotal))
        jobField("last error", job.lastError.map(TerminalText.escape) ?? "-")
        jobField("archive", job.archivePath.map(TerminalText.escape) ?? "-")
        if let etag = job.objectETag { jobField("object etag", TerminalText.escape(etag)) }
        if let version = job.objectVersionID { jobField("version id", TerminalText.escape(version)) }
        if let sha256 = job.sha256 { jobField("sha256", sha256) }
        if let contentType = job.contentType { jobField("type", TerminalText.escape(contentType)) }
        if let partial = job.partialPath, job.state == .queued || job.state == .running {
            // With a bucket, the parts already in it are given back to the disk: the file
            // keeps its length but holds only what is not uploaded yet.
            let released = job.bytesReleased > 0 ? " (first \(job.bytesReleased) bytes uploaded and released)" : ""
            jobField("partial", TerminalText.escape(partial) + released)
        }
        if let started = job.startedAt { jobField("started", UTCTime.format(started) + " UTC") }
        if let finished = job.finishedAt { jobField("finished", UTCTime.format(finished) + " UTC") }
        if !detail.downloadAttempts.isEmpty {
            lines.append("")
            lines.append("download attempts (\(detail.downloadAttempts.count))")
            var attempts = TextTable(header: ["#", "ENDED (UTC)", "OUTCOME", "BYTES", "REASON"])
            for attempt in detail.downloadAttempts {
                attempts.rows.append([String(attempt.attempt), UTCTime.format(attempt.endedAt), attempt.outcome.rawValue,
                                      String(attempt.bytesDone), attempt.reason.map(TerminalText.escape) ?? "-"])
            }
            lines.append(attempts.render(indent: "  "))
        }
        if let upload = detail.objectUpload {
            lines.append("")
            lines += ObjectUploadReport.render(upload)
        }
        return lines.joined(separator: "\n")
    }

    /// `1048576 of 52428800 (2 %)`, or `… of unknown` before a length is known.
    static func bytes(done: Int64, total: Int64?) -> String {
        guard let total else { return "\(done) of unknown" }
        let percent = total > 0 ? done * 100 / total : 100
        return "\(done) of \(total) (\(percent) %)"
    }
}
