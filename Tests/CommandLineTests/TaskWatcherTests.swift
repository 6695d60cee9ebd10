import Daemon
import Foundation
import Glibc
import Ledger
import Testing
import TestSupport
import VideoAPI
@testable import videohookd

/// How `submit --wait`'s watcher ends, on a real ledger and a clock of the test's own:
/// the video archived, the task failed, the timeout, no serve for the grace, Ctrl-C.
@Suite("submit --wait: the watcher")
struct TaskWatcherTests {
    static let id = TaskID("task-unified-1761313744-watch001")!
    let folder = TemporaryDirectory(prefix: "vh-watch")
    let ledger: Ledger

    struct RecordingDisplay: WaitDisplay {
        var shown: [WaitProgress] = []
        var finished: WaitProgress?
        mutating func show(_ progress: WaitProgress) { shown.append(progress) }
        mutating func finish(_ progress: WaitProgress) { finished = progress }
    }

    /// The test's clock: each sleep moves it on by the poll interval.
    final class Clock: @unchecked Sendable {
        var now = Date(timeIntervalSince1970: 1_761_313_744)
        var sleeps = 0
    }

    init() throws {
        ledger = try Ledger.open(path: folder.path + "/ledger.sqlite")
    }

    func record(_ status: TaskStatus, error: (code: String, message: String)? = nil) throws {
        let body = TaskBodies.task(Self.id.rawValue, status: status.rawValue, created: 1_761_313_744,
                                   results: status == .completed ? ["https://media.example.com/v.mp4"] : [], error: error)
        guard case .task(let task) = CallbackBody.classify(Data(body.utf8)) else { throw CocoaError(.coderInvalidValue) }
        _ = try ledger.record(.event(TaskEvent(task: task, peer: "p")))
    }

    func watcher(_ limits: WaitLimits, clock: Clock, serves: Int = 1,
                 signalAfter: Int? = nil, onSleep: @escaping (Int) throws -> Void = { _ in }) -> TaskWatcher {
        let ledger = ledger
        return TaskWatcher(taskID: Self.id, limits: limits,
                           read: { () throws(LedgerError) in try ledger.task(id: Self.id) },
                           liveServes: { serves },
                           sleep: { seconds in
                               clock.sleeps += 1
                               clock.now = clock.now.addingTimeInterval(seconds)
                               try? onSleep(clock.sleeps)
                               if let signalAfter, clock.sleeps >= signalAfter {
                                   return ReceivedSignal(number: SIGINT, senderPID: 0)
                               }
                               return nil
                           },
                           now: { clock.now })
    }

    func failure(_ body: (inout RecordingDisplay) throws(SubmitFailure) -> Void) -> (SubmitFailure?, RecordingDisplay) {
        var display = RecordingDisplay()
        do {
            try body(&display)
            return (nil, display)
        } catch {
            return (error, display)
        }
    }

    @Test("Archived: returns, the last state handed to finish; the phases on the way were shown")
    func archived() throws {
        try record(.processing)
        let clock = Clock()
        let watcher = watcher(WaitLimits(timeout: 60), clock: clock) { sleeps in
            guard sleeps == 2 else { return }
            try record(.completed)
            _ = try ledger.claimNextDownload()
            try ledger.markDownloadDone(taskID: Self.id.rawValue, archivePath: "/a/t.mp4", sha256: "00", bytes: 5)
        }
        let (failed, display) = failure { display throws(SubmitFailure) in try watcher.watch(&display) }
        #expect(failed == nil)
        #expect(display.shown.map(\.phase.name) == ["running", "running"])
        #expect(display.finished?.phase == .archived(location: "/a/t.mp4", bytes: 5, sha256: "00"))
    }

    @Test("Failed at the API: its exit status and the API's code and message")
    func failedAtAPI() throws {
        try record(.failed, error: ("content_policy_violation", "refused"))
        let (failed, display) = failure { display throws(SubmitFailure) in
            try watcher(WaitLimits(timeout: 60), clock: Clock()).watch(&display)
        }
        #expect(failed?.status == .taskFailed)
        #expect(failed?.message == "task \(Self.id) failed at the video API: content_policy_violation: refused")
        #expect(display.finished?.phase.name == "failed")
    }

    @Test("The timeout: its own status, after the limit and not before, naming the phase and `show`")
    func timeout() throws {
        try record(.pending)
        let clock = Clock()
        let (failed, display) = failure { display throws(SubmitFailure) in
            try watcher(WaitLimits(pollInterval: 0.5, timeout: 3), clock: clock).watch(&display)
        }
        #expect(failed?.status == .waitTimedOut)
        #expect(clock.sleeps == 6, "3 s of 0.5 s polls")
        #expect(failed?.message.contains("is queued at the video API") == true)
        #expect(failed?.message.contains("videohookd show \(Self.id)") == true)
        #expect(display.finished != nil)
    }

    @Test("No live serve: the warning at once, and the end after --serve-grace, before the timeout")
    func noServe() throws {
        try record(.pending)
        let clock = Clock()
        let limits = WaitLimits(pollInterval: 0.5, serveCheckInterval: 1, timeout: 60, serveGrace: 2)
        let (failed, display) = failure { display throws(SubmitFailure) in
            try watcher(limits, clock: clock, serves: 0).watch(&display)
        }
        #expect(failed?.status == .noServe)
        #expect(display.shown.first?.warning == TaskWatcher.noServeWarning)
        #expect(clock.sleeps == 4, "2 s of grace in 0.5 s polls")
        #expect(failed?.message.contains("systemctl start videohookd") == true)
    }

    @Test("Ctrl-C: interrupted (130), the task said to go on, with `show`")
    func interrupted() throws {
        try record(.processing)
        let (failed, display) = failure { display throws(SubmitFailure) in
            try watcher(WaitLimits(timeout: 60), clock: Clock(), signalAfter: 2).watch(&display)
        }
        #expect(failed?.status == .interrupted)
        #expect(failed?.status.rawValue == 130)
        #expect(failed?.message.contains("is not cancelled") == true)
        #expect(failed?.message.contains("videohookd show \(Self.id)") == true)
        #expect(display.finished?.phase == .running(progress: nil) || display.finished?.phase.name == "running")
    }
}
