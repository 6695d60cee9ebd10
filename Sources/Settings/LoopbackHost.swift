/// Whether a URL's host is this machine: plain http to it never crosses the network, so
/// it earns no warning.
enum LoopbackHost {
    static func contains(_ host: String) -> Bool {
        let host = host.lowercased()
        if ["localhost", "::1", "[::1]"].contains(host) { return true }
        // 127.0.0.0/8 as an address, not a name that starts like one (127.example.com).
        return host.hasPrefix("127.") && host.allSatisfy { $0 == "." || $0.isASCII && $0.isNumber }
    }
}
