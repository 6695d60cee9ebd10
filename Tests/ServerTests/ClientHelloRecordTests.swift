@testable import Server
import Testing

@Suite("The first TLS record, gathered before any OpenSSL session")
struct ClientHelloRecordTests {
    func append(_ bytes: [UInt8], to record: inout ClientHelloRecord) throws(ClientHelloRecord.Problem) {
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        defer { raw.deallocate() }
        raw.copyBytes(from: bytes)
        try record.append(UnsafeRawBufferPointer(raw))
    }

    @Test("it asks for the 5-byte header, then exactly the record it announces, however the bytes come")
    func exactLengths() throws {
        var record = ClientHelloRecord()
        #expect(record.missing == 5)
        try append([0x16, 0x03], to: &record)
        #expect(record.missing == 3)
        try append([0x01, 0x01, 0x00], to: &record)  // a record of 256 bytes
        #expect(record.missing == 256)
        for _ in 0..<255 { try append([0xAB], to: &record) }
        #expect(record.missing == 1 && !record.isComplete)
        // Bytes past the record are not taken: they belong to the session.
        try append([0xCD, 0xEE, 0xEE], to: &record)
        #expect(record.isComplete)
        #expect(record.bytes.count == 261)
        #expect(record.bytes.last == 0xCD)
    }

    @Test("a header that is not a TLS handshake record, or announces an empty or oversized record, is refused")
    func refusals() {
        var alert = ClientHelloRecord()
        #expect(throws: ClientHelloRecord.Problem.notHandshake) { try append([0x15, 0x03, 0x01, 0x00, 0x02], to: &alert) }
        var sslv2 = ClientHelloRecord()
        #expect(throws: ClientHelloRecord.Problem.notHandshake) { try append([0x16, 0x02, 0x00, 0x00, 0x10], to: &sslv2) }
        var empty = ClientHelloRecord()
        #expect(throws: ClientHelloRecord.Problem.badLength(0)) { try append([0x16, 0x03, 0x01, 0x00, 0x00], to: &empty) }
        var oversized = ClientHelloRecord()
        #expect(throws: ClientHelloRecord.Problem.badLength(16_385)) { try append([0x16, 0x03, 0x01, 0x40, 0x01], to: &oversized) }
        var largest = ClientHelloRecord()
        #expect(throws: Never.self) { try append([0x16, 0x03, 0x01, 0x40, 0x00], to: &largest) }
        #expect(largest.missing == 16_384)
    }
}
