import Glibc

/// Resolves names with `getaddrinfo(3)`, both families, as the rest of the system would
/// (`/etc/hosts`, then DNS, by `nsswitch.conf`). Blocking: call it off any event loop.
public struct SystemHostResolver: HostResolver {
    public init() {}

    public func resolve(_ host: String) throws -> [IPAddress] {
        var hints = addrinfo()
        // AF_UNSPEC without AI_ADDRCONFIG: every address the name has is judged, even a
        // family this machine cannot reach, because the video API may reach it.
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        defer { if let list { freeaddrinfo(list) } }
        guard status == 0 else { throw Self.error(status, host: host) }
        var addresses: [IPAddress] = []
        var entry = list
        while let current = entry {
            if let socketAddress = current.pointee.ai_addr,
               let address = IPAddress(socketAddress: socketAddress) {
                addresses.append(address)
            }
            entry = current.pointee.ai_next
        }
        return addresses
    }

    /// glibc's EAI_NODATA ("no address associated with hostname"); Swift's Glibc module
    /// does not export it.
    private static let eaiNoData: Int32 = -5

    private static func error(_ status: Int32, host: String) -> HostResolutionError {
        var detail = String(cString: gai_strerror(status))
        if status == EAI_SYSTEM {
            detail += ": " + String(cString: strerror(errno))
        }
        let kind: HostResolutionError.Kind = switch status {
        case EAI_NONAME, eaiNoData: .notFound
        case EAI_AGAIN: .temporary
        default: .failed
        }
        return HostResolutionError(kind: kind, detail: detail)
    }
}
