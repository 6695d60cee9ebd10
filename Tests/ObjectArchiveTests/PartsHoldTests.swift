import Ledger
import Testing
@testable import ObjectArchive

/// When a resumed upload's recorded parts may be kept: the disk must still hold what
/// each part was sent from.
@Suite("Recorded parts against the durable bytes")
struct PartsHoldTests {
    let size: Int64 = 5 << 20

    func parts(_ sizes: [Int64]) -> [ObjectUploadPart] {
        sizes.enumerated().map {
            ObjectUploadPart(number: $0.offset + 1, bytes: $0.element, etag: "\"e\($0.offset)\"",
                             checksumSHA256: String(repeating: "A", count: 43) + "=")
        }
    }

    @Test("whole parts within the durable bytes are kept")
    func wholePartsKept() {
        #expect(ObjectUploadSession.partsHold(parts([size, size]), partSize: size, durableBytes: 2 * size + 1))
        #expect(ObjectUploadSession.partsHold(parts([size, size]), partSize: size, durableBytes: 2 * size))
        #expect(ObjectUploadSession.partsHold([], partSize: size, durableBytes: 0))
    }

    @Test("parts past the durable bytes (a partial file cut back) are not")
    func pastDurableRefused() {
        #expect(!ObjectUploadSession.partsHold(parts([size, size]), partSize: size, durableBytes: 2 * size - 1))
        #expect(!ObjectUploadSession.partsHold(parts([size]), partSize: size, durableBytes: 0))
    }

    @Test("a short last part only when it ends the file; a gap or another size never")
    func shortAndGaps() {
        #expect(ObjectUploadSession.partsHold(parts([size, 10]), partSize: size, durableBytes: size + 10))
        #expect(!ObjectUploadSession.partsHold(parts([size, 10]), partSize: size, durableBytes: size + 11))
        #expect(!ObjectUploadSession.partsHold(parts([10, size]), partSize: size, durableBytes: 3 * size))
        var gap = parts([size, size])
        gap[1].number = 3
        #expect(!ObjectUploadSession.partsHold(gap, partSize: size, durableBytes: 3 * size))
    }
}

@Suite("A hex digest as S3's checksum header writes it")
struct ChecksumTextTests {
    @Test("hex becomes base64 of the same bytes; anything but hex gives nothing to match")
    func hexToBase64() {
        // SHA-256 of "abc".
        #expect(ObjectUploadSession.base64(hex: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
                == "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=")
        #expect(ObjectUploadSession.base64(hex: "BA78") == ObjectUploadSession.base64(hex: "ba78"))
        #expect(ObjectUploadSession.base64(hex: "zz").isEmpty)
    }
}
