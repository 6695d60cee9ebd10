/// An IPv4 or IPv6 address as plain numbers: no zone, no port, no name.
///
/// The policy judges these, `CheckedURL` carries them, and the downloader connects to
/// exactly these (see `IPAddress+Socket.swift`), so the address that was checked is the
/// address that is reached.
public struct IPAddress: Sendable, Hashable {
    public enum Family: Sendable, Hashable {
        case v4
        case v6
    }

    enum Storage: Sendable, Hashable {
        case v4(UInt32)
        case v6(UInt128)
    }

    let storage: Storage

    /// An IPv4 address from its 32-bit value in host order (`0x7f000001` is 127.0.0.1).
    public init(v4 value: UInt32) {
        storage = .v4(value)
    }

    /// An IPv6 address from its 128-bit value in host order (`1` is ::1).
    public init(v6 value: UInt128) {
        storage = .v6(value)
    }

    /// An IPv4 address from its four bytes, most significant first.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        self.init(v4: UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d))
    }

    /// An address from raw network-order bytes: 4 for IPv4, 16 for IPv6, else nil.
    public init?(bytes: some Collection<UInt8>) {
        switch bytes.count {
        case 4:
            self.init(v4: bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        case 16:
            self.init(v6: bytes.reduce(UInt128(0)) { $0 << 8 | UInt128($1) })
        default:
            return nil
        }
    }

    public var family: Family {
        switch storage {
        case .v4: .v4
        case .v6: .v6
        }
    }

    /// The address in network order: 4 bytes for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        switch storage {
        case .v4(let value):
            (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * (3 - $0))) }
        case .v6(let value):
            (0..<16).map { UInt8(truncatingIfNeeded: value >> (8 * (15 - $0))) }
        }
    }

    /// The 32-bit value of an IPv4 address; nil for IPv6.
    public var v4Value: UInt32? {
        if case .v4(let value) = storage { value } else { nil }
    }

    /// The 128-bit value of an IPv6 address; nil for IPv4.
    public var v6Value: UInt128? {
        if case .v6(let value) = storage { value } else { nil }
    }
}
