#if canImport(Glibc)
import Glibc
#endif

/// A `host:port` to listen on: `0.0.0.0:8443`, `[::]:8443`, `localhost:9090`.
/// Port 0 asks the kernel for a free port (tests).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Why a text is not a listen address, in words for the operator.
    public struct InvalidText: Error, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    public static func parse(_ text: String) -> Result<ListenAddress, InvalidText> {
        func invalid(_ reason: String) -> Result<ListenAddress, InvalidText> {
            .failure(InvalidText(reason: reason))
        }
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                return invalid("an IPv6 address in brackets is missing its \"]\"")
            }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else {
                return invalid("expected host:port such as [::]:8443, with the port after \"]:\"")
            }
            portText = rest.dropFirst()
            guard isIPv6(String(host)) else {
                return invalid("\"\(host)\" in brackets is not an IPv6 address")
            }
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                return invalid("expected host:port such as 0.0.0.0:8443, with a port")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") {
                return invalid("an IPv6 address goes in brackets, as in [::]:8443")
            }
            if let reason = problemWithName(host) {
                return invalid(reason)
            }
        }
        guard !portText.isEmpty, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber),
              portText.count <= 5, let port = Int(portText), port <= 65535 else {
            return invalid("the port must be a number from 0 to 65535")
        }
        return .success(ListenAddress(host: String(host), port: UInt16(port)))
    }

    public var isIPv6: Bool {
        host.contains(":")
    }

    public var description: String {
        isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    private static func problemWithName(_ host: Substring) -> String? {
        if host.isEmpty {
            return "the host is missing: use 0.0.0.0 for every IPv4 address, [::] for every address"
        }
        // Digits and dots only: it must be a real IPv4 address, not a typo like 0.0.0.
        if host.allSatisfy({ $0 == "." || ($0.isASCII && $0.isNumber) }) {
            return isIPv4(String(host)) ? nil : "\"\(host)\" is not an IPv4 address"
        }
        let allowed = host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        if !allowed || labels.contains(where: { $0.isEmpty || $0.count > 63 }) || host.count > 253 {
            return "\"\(host)\" is not an IP address or a host name"
        }
        return nil
    }

    private static func isIPv4(_ text: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, text, &address) == 1
    }

    private static func isIPv6(_ text: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET6, text, &address) == 1
    }
}
