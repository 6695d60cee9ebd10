/// One block of addresses, `network/prefixLength`, with the name IANA gives it.
struct AddressRange: Sendable {
    let network: IPAddress
    let prefixLength: Int
    let name: String
    /// As IANA writes it (`::ffff:0:0/96`, not the mixed form a printer would choose).
    let cidr: String

    init(_ cidr: String, _ name: String) {
        self.cidr = cidr
        let slash = cidr.firstIndex(of: "/")!
        network = IPAddress(String(cidr[..<slash]))!
        prefixLength = Int(cidr[cidr.index(after: slash)...])!
        self.name = name
    }

    func contains(_ address: IPAddress) -> Bool {
        switch (network.storage, address.storage) {
        case (.v4(let base), .v4(let value)):
            let mask: UInt32 = prefixLength == 0 ? 0 : ~0 << (32 - prefixLength)
            return value & mask == base & mask
        case (.v6(let base), .v6(let value)):
            let mask: UInt128 = prefixLength == 0 ? 0 : ~0 << (128 - prefixLength)
            return value & mask == base & mask
        default:
            return false
        }
    }

    /// `loopback (127.0.0.0/8)`: what a refusal names.
    var label: String { "\(name) (\(cidr))" }
}
