import Foundation
import Lifecycle
import Synchronization
import Testing

@Suite("PeriodicThread")
struct PeriodicThreadTests {
    private static func waitFor(_ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if condition() { return true }
            usleep(5_000)
        }
        return condition()
    }

    @Test("runs every interval, at once when woken, and no more once stopped")
    func runsWakesAndStops() throws {
        let runs = Atomic<Int>(0)
        let periodic = PeriodicThread(name: "vh-test-periodic", interval: .seconds(3600))
        try periodic.start { runs.add(1, ordering: .relaxed) }
        usleep(50_000)
        #expect(runs.load(ordering: .relaxed) == 0, "nothing runs before the first interval or wake")
        periodic.wake()
        #expect(Self.waitFor { runs.load(ordering: .relaxed) == 1 })
        periodic.beginStopping()
        #expect(periodic.waitUntilStopped(timeout: .seconds(5)))
        periodic.wake()
        usleep(50_000)
        #expect(runs.load(ordering: .relaxed) == 1)
    }

    @Test("a wake right after start is not lost, however late the thread reaches its first wait", arguments: 0..<20)
    func wakeRightAfterStart(round: Int) throws {
        let runs = Atomic<Int>(0)
        let periodic = PeriodicThread(name: "vh-test-periodic", interval: .seconds(3600))
        try periodic.start { runs.add(1, ordering: .relaxed) }
        periodic.wake()
        #expect(Self.waitFor { runs.load(ordering: .relaxed) == 1 }, "round \(round)")
        periodic.beginStopping()
        #expect(periodic.waitUntilStopped(timeout: .seconds(5)))
    }

    @Test("a short interval runs again by itself")
    func interval() throws {
        let runs = Atomic<Int>(0)
        let periodic = PeriodicThread(name: "vh-test-periodic", interval: .milliseconds(20))
        try periodic.start { runs.add(1, ordering: .relaxed) }
        #expect(Self.waitFor { runs.load(ordering: .relaxed) >= 3 })
        periodic.beginStopping()
        #expect(periodic.waitUntilStopped(timeout: .seconds(5)))
    }
}
