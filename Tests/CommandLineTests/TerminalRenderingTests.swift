import Foundation
import Ledger
import Testing
import TestSupport
import VideoAPI
@testable import videohookd

/// The command line's rendering of what the ledger holds: `tasks` and `show`.
@Suite("Terminal rendering")
struct TerminalRenderingTests {
    static let id = "task-unified-1761313744-vux2jw0k"
    let folder = TemporaryDirectory(prefix: "vh-cli")

    func task(_ status: TaskStatus, estimatedTime: Int? = nil) throws -> ValidatedTask {
        let body = TaskBodies.task(Self.id, status: status.rawValue, created: 1_761_313_744,
                                   results: status == .completed ? ["https://media.example.com/v/\(Self.id).mp4?sig=1"] : [],
                                   estimatedTime: estimatedTime)
        guard case .task(let task) = CallbackBody.classify(Data(body.utf8)) else {
            throw CocoaError(.coderInvalidValue)
        }
        return task
    }

    @Test("show prints the request, the estimated time, the verification and the API checks")
    func showReport() throws {
        let ledger = try Ledger.open(path: folder.path + "/ledger.sqlite")
        _ = try ledger.record(.submitted(SubmittedTask(answer: try task(.pending, estimatedTime: 165), requestJSON: #"{"prompt":"p"}"#)))
        _ = try ledger.record(.event(TaskEvent(task: try task(.completed), peer: "203.0.113.7:40000", trust: .needsVerification)))
        try ledger.recordVerification(VerificationVerdict(taskID: TaskID(Self.id)!, verification: .contradicted,
                                                          note: "the video API says the task failed"))
        let text = TaskDetailReport.render(try #require(try ledger.task(id: TaskID(Self.id)!)))
        #expect(text.contains(#"request     {"prompt":"p"}"#))
        #expect(text.contains("estimated   165 s"))
        #expect(text.contains("verified    contradicted: the video API says the task failed"))
    }

    @Test("tasks prints one aligned line per task under its header and a count, and says so when there are none")
    func taskTable() throws {
        let ledger = try Ledger.open(path: folder.path + "/ledger.sqlite")
        #expect(TaskTable.render(try ledger.tasks()) == "no tasks yet")
        #expect(TaskTable.render(try ledger.tasks(status: .failed), status: .failed) == "no tasks with status failed")
        _ = try ledger.record(.event(TaskEvent(task: try task(.completed), peer: "203.0.113.7:40000")))
        let lines = TaskTable.render(try ledger.tasks()).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("ID"))
        #expect(lines[2] == "1 task")
        #expect(lines[1].hasPrefix(Self.id) && lines[1].contains("completed"))
        // Aligned: the STATUS column starts at the same place on both lines.
        #expect(lines[0].range(of: "STATUS")?.lowerBound.utf16Offset(in: lines[0])
            == lines[1].range(of: "completed")?.lowerBound.utf16Offset(in: lines[1]))
    }

    @Test("text from outside cannot move the cursor or break a line on the terminal")
    func terminalEscapes() {
        #expect(TerminalText.escape("a\u{1B}[2Jb") == "a\\u{1b}[2Jb")
        #expect(TerminalText.escape("one\ntwo") == "one\\ntwo")
        #expect(TerminalText.escape("\u{9B}31m") == "\\u{9b}31m")
        #expect(TerminalText.escape("plain é ✓") == "plain é ✓")
    }
}
