import Dispatch
import Foundation
import Synchronization
import Testing
@testable import Lifecycle

@Suite("Named threads")
struct NamedThreadTests {
    /// The kernel's name of every thread of this process.
    private func threadNames() -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    @Test("the thread carries its name, cut to the kernel's 15 bytes, while it runs")
    func threadIsNamed() throws {
        let release = DispatchSemaphore(value: 0)
        let running = DispatchSemaphore(value: 0)
        let thread = try NamedThread.start("vh-test-named-thread") {
            running.signal()
            release.wait()
        }
        running.wait()
        #expect(thread.name == "vh-test-named-t")
        #expect(threadNames().contains("vh-test-named-t"))
        #expect(!thread.isFinished)
        release.signal()
        #expect(thread.waitUntilFinished(timeout: .seconds(5)))
        #expect(thread.isFinished)
    }

    @Test("waiting gives up at the timeout while the body runs, and any number may wait")
    func waitTimesOut() throws {
        let release = DispatchSemaphore(value: 0)
        let thread = try NamedThread.start("vh-test-wait") { release.wait() }
        let clock = ContinuousClock()
        let started = clock.now
        #expect(!thread.waitUntilFinished(timeout: .milliseconds(100)))
        #expect(clock.now - started >= .milliseconds(90))
        release.signal()
        #expect(thread.waitUntilFinished(timeout: .seconds(5)))
        #expect(thread.waitUntilFinished(timeout: .zero))
        thread.join()
    }

    @Test("a body that finishes before start returns is still seen as finished")
    func quickBody() throws {
        let ran = Atomic<Bool>(false)
        let thread = try NamedThread.start("vh-test-quick") { ran.store(true, ordering: .relaxed) }
        #expect(thread.waitUntilFinished(timeout: .seconds(5)))
        let didRun = ran.load(ordering: .relaxed)
        #expect(didRun)
    }

    @Test("on its own thread, waiting does not wait for itself")
    func waitOnItself() throws {
        let box = Mutex<NamedThread?>(nil)
        let answer = Mutex<(Bool, Bool)?>(nil)
        let go = DispatchSemaphore(value: 0)
        let thread = try NamedThread.start("vh-test-self") {
            go.wait()
            let me = box.withLock { $0 }!
            answer.withLock { $0 = (me.isCurrent, me.waitUntilFinished(timeout: .seconds(60))) }
            me.join()
        }
        box.withLock { $0 = thread }
        go.signal()
        #expect(thread.waitUntilFinished(timeout: .seconds(5)))
        #expect(answer.withLock { $0 }.map { $0.0 && !$0.1 } == true)
    }
}
