import Foundation
import Testing
@testable import Ledger
import TestSupport
import VideoAPI

@Suite("A task never goes backwards")
struct StateMachineTests {
    static let pairs: [(TaskStatus, TaskStatus)] = TaskStatus.allCases.flatMap { first in
        TaskStatus.allCases.map { (first, $0) }
    }

    @Test("every pair of statuses, in both orders, ends in the later stage or the first end",
          arguments: pairs)
    func pair(first: TaskStatus, second: TaskStatus) throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let id = "task-\(first.rawValue)-then-\(second.rawValue)"
        let one = try ledger.record(try TaskBody.event(id: id, status: first)).event
        let two = try ledger.record(try TaskBody.event(id: id, status: second)).event

        #expect(one?.advanced == true)
        #expect(one?.downloadJobCreated == (first == .completed))

        let expected: TaskStatus = second.stage > first.stage ? second : first
        let detail = try #require(try ledger.task(id: TaskID(id)!))
        #expect(detail.task.status == expected)
        #expect(two?.statusBefore == first)
        #expect(two?.statusAfter == expected)
        #expect(two?.advanced == (second.stage > first.stage))
        #expect(two?.isDuplicate == (first == second))
        #expect(two?.downloadJobCreated == (second == .completed && first.stage < TaskStatus.completed.stage))
        #expect(detail.events.count == (first == second ? 1 : 2))
        #expect((detail.downloadJob != nil) == (expected == .completed))
        #expect(try ledger.counts().downloadJobs == (expected == .completed ? 1 : 0))
    }

    @Test("terminal after terminal: the first end wins", arguments: [
        (TaskStatus.completed, TaskStatus.failed), (.completed, .cancelled), (.failed, .completed),
        (.failed, .cancelled), (.cancelled, .completed), (.cancelled, .failed),
    ])
    func firstTerminalWins(first: TaskStatus, second: TaskStatus) throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let id = "task-end-\(first.rawValue)-\(second.rawValue)"
        _ = try ledger.record(try TaskBody.event(id: id, status: first))
        _ = try ledger.record(try TaskBody.event(id: id, status: second))
        _ = try ledger.record(try TaskBody.event(id: id, status: .processing))
        let detail = try #require(try ledger.task(id: TaskID(id)!))
        #expect(detail.task.status == first)
        #expect(detail.events.filter(\.applied).map(\.status) == [first])
        #expect(detail.downloadJob != nil ? first == .completed : true)
        #expect(try ledger.counts().downloadJobs == (first == .completed ? 1 : 0))
    }

    @Test("a completed event with other result URLs is a new event but changes nothing")
    func secondCompletedWithOtherURLs() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        _ = try ledger.record(try TaskBody.event(id: "t1", status: .completed, results: ["https://a.example.com/1.mp4"]))
        let second = try ledger.record(try TaskBody.event(id: "t1", status: .completed,
                                                          results: ["https://a.example.com/2.mp4"])).event
        #expect(second?.isDuplicate == false)
        #expect(second?.advanced == false)
        #expect(second?.downloadJobCreated == false)
        let detail = try #require(try ledger.task(id: TaskID("t1")!))
        #expect(detail.events.count == 2)
        #expect(detail.task.results == ["https://a.example.com/1.mp4"])
        #expect(detail.downloadJob?.sourceURL == "https://a.example.com/1.mp4")
    }

    @Test("a repeat counts as a duplicate and moves only the seen times")
    func repeatIsDuplicate() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let start = Date(timeIntervalSince1970: 1_761_400_000)
        let write = try TaskBody.event(id: "t1", status: .failed, at: start)
        _ = try ledger.record(write)
        let repeated = try TaskBody.event(id: "t1", status: .failed, at: start + 5)
        let outcome = try ledger.record(repeated).event
        #expect(outcome?.isDuplicate == true)
        #expect(outcome?.duplicateCount == 1)
        #expect(try ledger.record(try TaskBody.event(id: "t1", status: .failed, at: start + 9)).event?.duplicateCount == 2)
        let event = try #require(try ledger.task(id: TaskID("t1")!)?.events.first)
        #expect(event.duplicateCount == 2)
        #expect(event.firstSeen == start)
        #expect(event.lastSeen == start + 9)
        #expect(try ledger.task(id: TaskID("t1")!)?.task.lastSeen == start + 9)
    }

    @Test("stages: pending, then processing, then the three ends together")
    func stages() {
        #expect(TaskStatus.processing.advances(from: .pending))
        #expect(!TaskStatus.pending.advances(from: .processing))
        #expect(TaskStatus.completed.advances(from: nil))
        #expect(!TaskStatus.failed.advances(from: .completed))
        #expect(TaskStatus.allCases.filter(\.isTerminal) == [.completed, .failed, .cancelled])
    }
}
