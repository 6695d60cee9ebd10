import Glibc

/// Socket addresses for the downloader: it connects to the address the policy checked,
/// never to a name it resolves again.
extension IPAddress {
    /// A `sockaddr_in` or `sockaddr_in6` for this address and `port`, stored in a
    /// `sockaddr_storage`, with the length to pass to `connect(2)`.
    public func socketAddress(port: UInt16) -> (storage: sockaddr_storage, length: socklen_t) {
        var storage = sockaddr_storage()
        switch self.storage {
        case .v4(let value):
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr = in_addr(s_addr: value.bigEndian)
            withUnsafeMutableBytes(of: &storage) { target in
                withUnsafeBytes(of: address) { target.copyMemory(from: $0) }
            }
            return (storage, socklen_t(MemoryLayout<sockaddr_in>.size))
        case .v6:
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &address.sin6_addr) { target in
                target.copyBytes(from: bytes)
            }
            withUnsafeMutableBytes(of: &storage) { target in
                withUnsafeBytes(of: address) { target.copyMemory(from: $0) }
            }
            return (storage, socklen_t(MemoryLayout<sockaddr_in6>.size))
        }
    }

    /// The address inside a `sockaddr_in` or `sockaddr_in6`; nil for another family.
    /// An IPv6 scope id is dropped: link-local addresses never pass the policy anyway.
    public init?(socketAddress pointer: UnsafePointer<sockaddr>) {
        switch Int32(pointer.pointee.sa_family) {
        case AF_INET:
            let value = pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                $0.pointee.sin_addr.s_addr
            }
            self.init(v4: UInt32(bigEndian: value))
        case AF_INET6:
            let raw = pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) }
            }
            self.init(bytes: raw)
        default:
            return nil
        }
    }
}
