import Dispatch
import Glibc
import Synchronization
import Testing
@testable import Lifecycle

/// What the fake services did, in order, across all of them.
final class Journal: Sendable {
    private let entries = Mutex<[String]>([])
    func add(_ entry: String) { entries.withLock { $0.append(entry) } }
    var all: [String] { entries.withLock { $0 } }
}

struct StartRefused: Error, CustomStringConvertible {
    var description: String { "port already in use" }
}

/// A service that records its calls; it can refuse to start, or take longer to stop
/// than any deadline.
final class FakeService: Service, Sendable {
    let serviceName: String
    private let journal: Journal
    private let refusesStart: Bool
    private let stopsWithin: Duration
    private let stopAsked = DispatchSemaphore(value: 0)

    init(_ name: String, journal: Journal, refusesStart: Bool = false, stopsWithin: Duration = .zero) {
        serviceName = name
        self.journal = journal
        self.refusesStart = refusesStart
        self.stopsWithin = stopsWithin
    }

    func start() throws {
        journal.add("start \(serviceName)")
        if refusesStart { throw StartRefused() }
    }

    func beginStopping() {
        journal.add("stop \(serviceName)")
        stopAsked.signal()
    }

    func waitUntilStopped(timeout: Duration) -> Bool {
        // Stopping takes `stopsWithin`; the wait gives up at `timeout`.
        if stopsWithin <= timeout {
            journal.add("stopped \(serviceName)")
            return true
        }
        journal.add("still running \(serviceName)")
        return false
    }
}

@Suite("Service stack")
struct ServiceStackTests {
    @Test("services start in the order given and stop in reverse, each stopped before the next is asked")
    func startsInOrder_StopsInReverse() throws {
        let journal = Journal()
        let stack = ServiceStack()
        for name in ["signals", "writer", "downloads", "server"] {
            try stack.start(FakeService(name, journal: journal))
        }
        #expect(stack.serviceNames == ["signals", "writer", "downloads", "server"])
        let report = stack.stop(within: .seconds(1))
        #expect(journal.all == [
            "start signals", "start writer", "start downloads", "start server",
            "stop server", "stopped server", "stop downloads", "stopped downloads",
            "stop writer", "stopped writer", "stop signals", "stopped signals",
        ])
        #expect(report.stopped == ["server", "downloads", "writer", "signals"])
        #expect(report.missedDeadline.isEmpty)
        #expect(stack.serviceNames.isEmpty)
        // A second stop has nothing left to stop.
        #expect(stack.stop(within: .seconds(1)) == ServiceStack.StopReport())
    }

    @Test("a start that throws stops what had started, in reverse, and names the service that failed")
    func failedStart_UnwindsWhatStarted() throws {
        let journal = Journal()
        let stack = ServiceStack()
        try stack.start(FakeService("signals", journal: journal))
        try stack.start(FakeService("writer", journal: journal))
        let failure = #expect(throws: ServiceStack.StartFailure.self) {
            try stack.start(FakeService("server", journal: journal, refusesStart: true))
        }
        #expect(failure?.serviceName == "server")
        #expect(failure?.description == "port already in use")
        #expect(failure?.unwound.stopped == ["writer", "signals"])
        #expect(journal.all == [
            "start signals", "start writer", "start server",
            "stop server", "stop writer", "stopped writer", "stop signals", "stopped signals",
        ])
        #expect(stack.serviceNames.isEmpty)
    }

    @Test("a service that misses the deadline is reported and the rest are still stopped")
    func missedDeadline_IsReported() throws {
        let journal = Journal()
        let stack = ServiceStack()
        try stack.start(FakeService("writer", journal: journal))
        try stack.start(FakeService("downloads", journal: journal, stopsWithin: .seconds(3600)))
        try stack.start(FakeService("server", journal: journal))
        let report = stack.stop(within: .seconds(2))
        #expect(report.stopped == ["server", "writer"])
        #expect(report.missedDeadline == ["downloads"])
        #expect(journal.all.suffix(6) == ["stop server", "stopped server", "stop downloads", "still running downloads",
                                          "stop writer", "stopped writer"])
    }

    @Test("the deadline is shared: what one service used is not given again to the next")
    func deadlineIsShared() throws {
        let timeouts = Timeouts()
        let stack = ServiceStack()
        try stack.start(SlowToStop("first", timeouts: timeouts, takes: .zero))
        try stack.start(SlowToStop("second", timeouts: timeouts, takes: .milliseconds(300)))
        stack.stop(within: .seconds(1))
        let given = timeouts.all
        #expect(given.count == 2)
        #expect(given[0] <= .seconds(1) && given[0] > .milliseconds(900))
        #expect(given[1] <= .milliseconds(700))
    }
}

/// The timeouts a stack gave its services, in order.
final class Timeouts: Sendable {
    private let values = Mutex<[Duration]>([])
    func add(_ value: Duration) { values.withLock { $0.append(value) } }
    var all: [Duration] { values.withLock { $0 } }
}

/// Takes `takes` to stop, whatever the timeout.
final class SlowToStop: Service, Sendable {
    let serviceName: String
    let timeouts: Timeouts
    let takes: Duration
    init(_ name: String, timeouts: Timeouts, takes: Duration) {
        serviceName = name
        self.timeouts = timeouts
        self.takes = takes
    }
    func start() throws {}
    func beginStopping() {}
    func waitUntilStopped(timeout: Duration) -> Bool {
        timeouts.add(timeout)
        sleepBlocking(takes)
        return true
    }
}

/// A plain blocking sleep: the stack is synchronous, so its services block too.
func sleepBlocking(_ duration: Duration) {
    let (seconds, attoseconds) = duration.components
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
    _ = nanosleep(&request, nil)
}
