/// A connection's first TLS record (the ClientHello), gathered in a buffer of the
/// connection's own before any OpenSSL session exists: a client that sends it a byte at
/// a time holds this buffer, sized to the record, instead of a session and OpenSSL's
/// 16 KB read buffer (about 48 KB per pending handshake before).
///
/// Read exactly: the 5-byte header, then the record it announces, and not a byte more,
/// so the socket holds what follows for the session to read.
struct ClientHelloRecord {
    static let headerLength = 5
    /// A plaintext record's body is at most 2^14 bytes (RFC 8446 §5.1).
    static let maxBodyLength = 1 << 14

    enum Problem: Error, Equatable {
        /// The header does not announce a handshake record of TLS (1.0 to 1.3 all say 3).
        case notHandshake
        /// An empty record, or one longer than TLS allows.
        case badLength(Int)

        var reason: String {
            switch self {
            case .notHandshake: "not a TLS handshake record"
            case .badLength(let length): "a first record of \(length) bytes"
            }
        }
    }

    private(set) var bytes: [UInt8] = []
    private var total = Self.headerLength

    /// Bytes still to read: the rest of the header, then the rest of the record.
    var missing: Int { total - bytes.count }

    var isComplete: Bool { missing == 0 }

    /// Takes bytes read from the socket (at most ``missing``). Once the header is whole it
    /// is checked, and the buffer sized to the record.
    mutating func append(_ chunk: UnsafeRawBufferPointer) throws(Problem) {
        bytes.append(contentsOf: chunk.prefix(missing))
        guard total == Self.headerLength, bytes.count == Self.headerLength else { return }
        guard bytes[0] == 0x16, bytes[1] == 0x03 else { throw .notHandshake }
        let length = Int(bytes[3]) << 8 | Int(bytes[4])
        guard (1...Self.maxBodyLength).contains(length) else { throw .badLength(length) }
        total = Self.headerLength + length
        bytes.reserveCapacity(total)
    }
}
