import APIClient
import ArgumentParser
import Foundation
import Ledger
import Reconciler
import Serve
import Settings

/// `videohookd reconcile`: one reconciler pass by hand, beside `serve` or without it.
struct ReconcileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Ask the video API about the tasks whose callback has not come, once, and print what it said.",
        discussion: """
            Asks GET /v1/tasks/{id} about every task with no terminal state past its \
            expected end (created + estimated time + api.reconcile_grace), whatever its \
            backoff, and about every completed callback that awaits the API's \
            confirmation. Each answer is recorded as a callback would be: a task found \
            completed is queued for download (from the URLs the API gives), and `serve`'s \
            downloader takes it. Tasks whose link would have expired are no longer asked about.

            Exit status: 0 the pass ran; 1 it could not run (no API key, settings, \
            ledger); 3 it ran but some questions failed (see ask-failed lines).
            """)

    @OptionGroup var location: LedgerLocation

    @Flag(help: "Print one JSON object per task instead of text.")
    var json = false

    func run() throws {
        var failedQuestions = false
        try failingWithMessage {
            let settings = try location.settings()
            guard let key = settings.api.key else {
                throw CommandFailure("no API key: set api.key or api.key_file in the settings, or VIDEOHOOKD_API_KEY; "
                    + "the reconciler asks the video API")
            }
            let ledger: Ledger
            do {
                ledger = try LedgerLocation.open(settings, stateDirectory: location.stateDirectory ?? settings.stateDirectory)
            } catch let error as LedgerError {
                throw CommandFailure(error.description)
            }
            defer { try? ledger.close() }
            let client: VideoAPIClient
            do {
                client = try VideoAPIClient(
                    configuration: VideoAPIClientConfiguration(baseURL: settings.api.baseURL, key: BearerKey(key.value),
                                                               retry: .once),
                    transport: try HTTPSAPITransport(caFile: settings.api.caFile), logger: CommandLogHandler.logger())
            } catch let error as APIClientError {
                throw CommandFailure(error.description)
            }
            let reconciler = Reconciler(ledger: ledger, sink: ledger, client: client,
                                        configuration: ReconcilerConfiguration(settings: settings),
                                        logger: CommandLogHandler.logger())
            let pass = reconciler.runPass(ignoringBackoff: true)
            if let problem = pass.ledgerProblem { throw CommandFailure(problem) }
            print(json ? try Self.json(pass) : Self.text(pass))
            failedQuestions = pass.count(.askFailed) > 0
        }
        if failedQuestions { throw ExitCode(3) }
    }

    static func text(_ pass: ReconcilePass) -> String {
        guard !pass.findings.isEmpty else {
            return "nothing to reconcile: no task is past its expected end without a terminal state, "
                + "and no completed callback awaits the API's confirmation"
        }
        var lines = pass.findings.map { finding in
            var line = "\(finding.taskID)  \(finding.outcome.rawValue)  ledger \(finding.ledgerStatus.rawValue)"
            if let api = finding.apiStatus { line += ", API \(api.rawValue)" }
            line += ": " + TerminalText.escape(finding.note)
            if finding.downloadQueued && !finding.note.contains("queued") { line += "; download queued" }
            if let next = finding.nextCheckAt { line += " (next question at \(UTCTime.format(next)) UTC)" }
            return line
        }
        let counts = ReconcileFinding.Outcome.allCases.compactMap { outcome -> String? in
            let count = pass.count(outcome)
            return count > 0 ? "\(count) \(outcome.rawValue)" : nil
        }
        lines.append("\(pass.findings.count) task\(pass.findings.count == 1 ? "" : "s"): "
            + counts.joined(separator: ", "))
        if let reason = pass.stoppedEarly {
            lines.append("stopped early: \(reason)"
                + (pass.pausedUntil.map { "; ask again after \(UTCTime.format($0)) UTC" } ?? ""))
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ pass: ReconcilePass) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try pass.findings.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
            .joined(separator: "\n")
    }
}
