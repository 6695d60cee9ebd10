import Foundation
@testable import Server
import Synchronization
import TestSupport
import Testing

@Suite("The heap goes back to the kernel after a burst of connections, not during steady churn")
struct HeapReturnTests {
    @Test("the trigger fires once the open count falls `drop` below its peak, once until the memory is returned")
    func triggerFiresOnTheFall() {
        let trigger = HeapReturnTrigger(drop: 8)
        for open in 1...20 { trigger.opened(open: open) }
        var fired: [Int] = []
        for open in stride(from: 19, through: 0, by: -1) where trigger.closed(open: open) { fired.append(open) }
        // 20 → 12 is the first fall of 8; nothing more while that return is pending.
        #expect(fired == [12])
        // Returned with 0 open: the peak starts again from 0.
        trigger.returned(open: 0)
        for open in 1...7 { trigger.opened(open: open) }
        #expect((0..<7).reversed().allSatisfy { !trigger.closed(open: $0) })
        for open in 1...9 { trigger.opened(open: open) }
        #expect(trigger.closed(open: 1))
    }

    @Test("steady churn below the drop never fires, however many connections come and go")
    func churnDoesNotFire() {
        let trigger = HeapReturnTrigger(drop: 8)
        for open in 1...10 { trigger.opened(open: open) }
        var fired = 0
        for round in 0..<10_000 {
            // Between 3 and 10 open (a swing of 7, under the drop of 8), as connections
            // close and others replace them.
            let open = 3 + round % 7
            if trigger.closed(open: open) { fired += 1 }
            trigger.opened(open: open + 1)
        }
        #expect(fired == 0)
    }

    @Test("a drop of 0 never fires")
    func zeroDropIsOff() {
        let trigger = HeapReturnTrigger(drop: 0)
        for open in 1...100 { trigger.opened(open: open) }
        #expect((0..<100).allSatisfy { !trigger.closed(open: $0) })
    }

    @Test("malloc_trim gives the kernel back the pages of freed small blocks that malloc held, and reports the fall")
    func mallocTrimReturnsHeldPages() {
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let blockSize = 256
        let count = 128 * 1024  // 32 MiB of blocks
        var blocks: [UnsafeMutableRawPointer] = []
        blocks.reserveCapacity(count)
        for _ in 0..<count {
            guard let block = malloc(blockSize) else { Issue.record("malloc failed"); return }
            memset(block, 0xA5, blockSize)  // resident
            blocks.append(block)
        }
        // One block after them, kept: freeing the others cannot shrink the heap from its
        // top, so malloc holds their pages, resident, as it does a burst's connections.
        let pin = malloc(blockSize)
        defer { free(pin) }
        // The pages the blocks lie on, gathered before the blocks are freed: nothing in the
        // measurement allocates from the memory being measured.
        let pages = Array(Set(blocks.map { UInt(bitPattern: $0) / UInt(pageSize) })).sorted()
        for block in blocks { free(block) }
        blocks.removeAll()

        func residentPages() -> Int {
            var resident = 0
            var flag: UInt8 = 0
            for page in pages {
                let address = UnsafeMutableRawPointer(bitPattern: page * UInt(pageSize))
                // ENOMEM (no longer mapped) counts as returned.
                if mincore(address, pageSize, &flag) == 0, flag & 1 == 1 { resident += 1 }
            }
            return resident
        }
        let heldBefore = residentPages()
        let result = HeapReturn.malloc.run()
        let heldAfter = residentPages()

        // Freed, the pages were still the process's; trimmed, most are the kernel's again
        // (a few are shared with blocks in use, or taken again meanwhile).
        #expect(heldBefore >= pages.count * 9 / 10, "\(heldBefore) of \(pages.count) pages resident after free")
        #expect(heldAfter <= pages.count / 4, "\(heldAfter) of \(pages.count) pages resident after malloc_trim")
        // The resident set the operator's log line reports fell by a good part of it too
        // (other tests allocate meanwhile, so not by all of it).
        #expect(result.before > 1 << 20)
        #expect(result.before - result.after >= count * blockSize / 4,
                "resident set \(result.before >> 20) MiB before, \(result.after >> 20) MiB after")
    }

    @Test("the server returns the heap once after real TLS connections close, and not while connections churn")
    func serverReturnsAfterABurst() throws {
        let returns = Atomic<Int>(0)
        let logs = LogCapture()
        let server = try TestServer(
            configuration: ServerConfiguration(headerTimeout: 10, bodyTimeout: 10, idleTimeout: 10, loopCount: 2,
                                               heapReturnDrop: 16),
            heapReturn: HeapReturn { returns.add(1, ordering: .relaxed) }, logger: logs.logger)
        defer { server.stop() }

        // Churn: 40 connections one after another, never more than one open.
        for _ in 0..<40 {
            let client = try server.connect()
            #expect(try client.get("/healthz").status == 200)
        }
        Thread.sleep(forTimeInterval: 0.3)
        #expect(returns.load(ordering: .relaxed) == 0)

        // A burst: 24 connections open at once, each through its handshake and a request,
        // then all closed.
        var burst: [TestClient] = []
        for _ in 0..<24 {
            let client = try server.connect()
            #expect(try client.get("/healthz").status == 200)
            burst.append(client)
        }
        #expect(returns.load(ordering: .relaxed) == 0)
        burst.removeAll()
        let deadline = Date().addingTimeInterval(5)
        while returns.load(ordering: .relaxed) == 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        Thread.sleep(forTimeInterval: 0.3)
        // 24 closed, a drop of 16: one return. The peak then starts again from at most 8,
        // and the rest closing is a fall of 8 at most.
        #expect(returns.load(ordering: .relaxed) == 1)
        #expect(server.server.openConnections == 0)
        // The operator's line: how much went back and how long it took.
        let lines = logs.events("memory.returned")
        #expect(lines.count == 1, "\(logs.text)")
        let fields = lines.first?.metadata ?? [:]
        #expect(fields["rss_before_mb"].flatMap(Int.init).map { $0 > 0 } == true)
        #expect(fields["rss_after_mb"].flatMap(Int.init).map { $0 > 0 } == true)
        #expect(fields["ms"].flatMap(Int.init) != nil)
        #expect(fields["open_connections"].flatMap(Int.init).map { $0 < 24 } == true)
    }
}
