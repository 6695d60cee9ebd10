import Hashing
import Ledger
import Testing
@testable import ObjectArchive

/// Which recorded state a resume continues the video's digest from: the last part's
/// that is the state of exactly the bytes up to that part's end.
@Suite("The digest state a resume continues from")
struct ResumeStateTests {
    static let size: Int64 = 5 << 20

    /// The state after `count` bytes of zeros (any bytes do: only the count is checked).
    static func state(after count: Int64) -> [UInt8] {
        let digest = SHA256Digest()
        digest.update([UInt8](repeating: 0, count: Int(count)))
        return digest.midstate().encoded
    }

    static func part(_ number: Int, bytes: Int64 = size, state: [UInt8]?) -> ObjectUploadPart {
        ObjectUploadPart(number: number, bytes: bytes, etag: "\"e\(number)\"",
                         checksumSHA256: String(repeating: "A", count: 43) + "=", sha256Midstate: state)
    }

    @Test("the last part recorded with its state gives it; parts after it without one are read from the disk")
    func lastPartWithState() {
        let parts = [Self.part(1, state: Self.state(after: Self.size)), Self.part(2, state: Self.state(after: 2 * Self.size)),
                     Self.part(3, bytes: 1000, state: nil)]
        #expect(ObjectUploadSession.lastState(of: parts)?.byteCount == 2 * Self.size)
        #expect(ObjectUploadSession.lastState(of: Array(parts.prefix(1)))?.byteCount == Self.size)
    }

    @Test("no state, or states that are not of their part's end (or do not decode), give nothing past the last good one")
    func wrongStatesIgnored() {
        #expect(ObjectUploadSession.lastState(of: []) == nil)
        #expect(ObjectUploadSession.lastState(of: [Self.part(1, state: nil), Self.part(2, state: nil)]) == nil)
        // Part 2's state is of part 1's end: not the state of parts 1 and 2.
        let misplaced = [Self.part(1, state: Self.state(after: Self.size)), Self.part(2, state: Self.state(after: Self.size))]
        #expect(ObjectUploadSession.lastState(of: misplaced)?.byteCount == Self.size)
        let garbled = [Self.part(1, state: Self.state(after: Self.size)), Self.part(2, state: [UInt8](repeating: 1, count: 41))]
        #expect(ObjectUploadSession.lastState(of: garbled)?.byteCount == Self.size)
    }
}
