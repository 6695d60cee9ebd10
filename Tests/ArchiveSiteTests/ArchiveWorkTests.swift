import Dispatch
import Foundation
import Synchronization
import Testing
@testable import ArchiveSite

@Suite("The site's work runs off the event loop, a few at a time")
struct ArchiveWorkTests {
    @Test("ArchiveWork.width bodies run at once and no more; the rest wait their turn, and every one runs")
    func width() {
        let work = ArchiveWork()
        let running = Mutex<(now: Int, most: Int, done: Int)>((0, 0, 0))
        let gate = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let count = ArchiveWork.width * 3
        for _ in 0..<count {
            work.run {
                running.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
                // Held until the test opens the gate: a slow ledger read.
                _ = gate.wait(timeout: .now() + 20)
                running.withLock { $0.now -= 1; $0.done += 1 }
                finished.signal()
            }
        }
        let deadline = Date().addingTimeInterval(10)
        while running.withLock({ $0.now }) < ArchiveWork.width, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        Thread.sleep(forTimeInterval: 0.3)  // room for a body too many to start, if one could
        #expect(running.withLock { $0.now } == ArchiveWork.width)
        for _ in 0..<count { gate.signal() }
        for _ in 0..<count { #expect(finished.wait(timeout: .now() + 10) == .success) }
        let seen = running.withLock { $0 }
        #expect(seen.done == count)
        #expect(seen.most == ArchiveWork.width)
    }
}
