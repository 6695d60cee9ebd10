import Foundation
import Testing
@testable import Ledger
import TestSupport
import VideoAPI

@Suite("Bodies the daemon did not take are kept, bounded")
struct StoredBodyTests {
    @Test("an unrecognized body is stored whole with its reason")
    func unrecognizedIsStored() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let body = Data(#"{"id":"t1","status":"exploded"}"#.utf8)
        guard case .unrecognized(let reason) = CallbackBody.classify(body) else {
            Issue.record("expected unrecognized")
            return
        }
        let outcome = try ledger.record(.unrecognized(UnrecognizedCallback(body: body, reason: reason, peer: "198.51.100.4:5555")))
        guard case .unrecognizedStored(let rowID) = outcome else {
            Issue.record("expected unrecognizedStored, got \(outcome)")
            return
        }
        let stored = try #require(try ledger.unrecognizedCallbacks().first)
        #expect(stored.id == rowID)
        #expect(stored.body == body)
        #expect(stored.reason == reason)
        #expect(stored.peer == "198.51.100.4:5555")
        #expect(stored.statusCode == nil)
        #expect(!stored.isTruncated)
        #expect(try ledger.counts().unrecognizedCallbacks == 1)
        #expect(try ledger.counts().tasks == 0)
    }

    @Test("a rejected body is cut to the limit, its full length and reason kept, the token never")
    func rejectedIsCapped() throws {
        let directory = TemporaryDirectory()
        let limits = LedgerLimits(maxRejectedBodyBytes: 1000)
        let ledger = try directory.openLedger(limits: limits)
        let body = Data(repeating: UInt8(ascii: "x"), count: 5000)
        _ = try ledger.record(.rejected(RejectedBody(statusCode: 400, reason: "the body is not valid JSON",
                                                     path: "/callbacks/s3cr3t-t0ken", body: body, peer: "p")))
        let stored = try #require(try ledger.rejectedBodies().first)
        #expect(stored.body == body.prefix(1000))
        #expect(stored.bodyLength == 5000)
        #expect(stored.isTruncated)
        #expect(stored.statusCode == 400)
        #expect(stored.path == "/callbacks/<token>")
        if LedgerBackendUnderTest.isSQLite {
            let everything = try Data(contentsOf: URL(fileURLWithPath: directory.ledgerPath))
                + ((try? Data(contentsOf: URL(fileURLWithPath: directory.ledgerPath + "-wal"))) ?? Data())
            #expect(everything.range(of: Data("s3cr3t-t0ken".utf8)) == nil, "the token is on disk nowhere")
        }
    }

    @Test("a 413 keeps what was read and the declared length")
    func tooLargeKeepsDeclaredLength() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        _ = try ledger.record(.rejected(RejectedBody(statusCode: 413, reason: "body over 1048576 bytes",
                                                     path: "/callbacks/abc", body: Data("{\"id\":".utf8),
                                                     declaredLength: 50_000_000, peer: "p")))
        let stored = try #require(try ledger.rejectedBodies().first)
        #expect(stored.bodyLength == 50_000_000)
        #expect(stored.body == Data("{\"id\":".utf8))
    }

    @Test("an unrecognized body is cut to its own limit")
    func unrecognizedIsCapped() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger(limits: LedgerLimits(maxUnrecognizedBodyBytes: 64))
        let body = Data(("{\"note\":\"" + String(repeating: "y", count: 500) + "\"}").utf8)
        _ = try ledger.record(.unrecognized(UnrecognizedCallback(body: body, reason: "no id", peer: "p")))
        let stored = try #require(try ledger.unrecognizedCallbacks().first)
        #expect(stored.body.count == 64)
        #expect(stored.bodyLength == body.count)
    }

    @Test("only the newest rejected and unrecognized bodies are kept")
    func rowsAreBounded() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger(
                                     limits: LedgerLimits(maxRejectedRows: 3, maxUnrecognizedRows: 2))
        let writes: [LedgerWrite] = (0..<10).flatMap { index -> [LedgerWrite] in
            [.rejected(RejectedBody(statusCode: 400, reason: "r\(index)", path: "/", body: Data(), peer: "p")),
             .unrecognized(UnrecognizedCallback(body: Data("{}".utf8), reason: "u\(index)", peer: "p"))]
        }
        for write in writes { _ = try ledger.record(write) }
        #expect(try ledger.rejectedBodies().map(\.reason) == ["r9", "r8", "r7"])
        #expect(try ledger.unrecognizedCallbacks().map(\.reason) == ["u9", "u8"])
        #expect(try ledger.counts().rejectedBodies == 3)
    }

    @Test("reason, path and peer text is cut to the limit on a character boundary")
    func textIsCapped() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger(limits: LedgerLimits(maxTextBytes: 10))
        _ = try ledger.record(.rejected(RejectedBody(statusCode: 400, reason: "ééééééééé", path: "/x/" + String(repeating: "p", count: 50),
                                                     body: Data(), peer: String(repeating: "9", count: 40))))
        let stored = try #require(try ledger.rejectedBodies().first)
        #expect(stored.reason == "ééééé")
        #expect(stored.path?.utf8.count == 10)
        #expect(stored.peer.utf8.count == 10)
        #expect(Ledger.clipped("aé", to: 2) == "a")
    }

    @Test("the token is redacted wherever /callbacks/ appears in a path")
    func redaction() {
        #expect(RejectedBody.redactingToken(in: "/callbacks/abc") == "/callbacks/<token>")
        #expect(RejectedBody.redactingToken(in: "/callbacks/abc?x=1") == "/callbacks/<token>?x=1")
        #expect(RejectedBody.redactingToken(in: "https://h/callbacks/abc/extra") == "https://h/callbacks/<token>/extra")
        #expect(RejectedBody.redactingToken(in: "/healthz") == "/healthz")
    }
}
