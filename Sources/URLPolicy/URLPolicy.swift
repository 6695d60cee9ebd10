/// The callback URL rules (DESIGN.md, "Callback URL rules"), one policy for every place
/// a URL is accepted: the public callback URL at start, each task `submit` sends, and
/// every video URL and redirect the downloader follows.
///
/// The policy does no I/O of its own: names go through the `HostResolver` it is given.
/// Rules, in the order they are judged:
/// 1. printable ASCII only, no backslash; at most 2048 characters;
/// 2. scheme `https` (any case; `http` too with `allowPlainHTTP`), then `//`; no user
///    info; a host; a port in 1...65535;
/// 3. the host read as resolvers read it (`127.1`, `0x7f000001`, `%31%32%37.0.0.1`,
///    a trailing dot, `[::ffff:127.0.0.1]`), and only global unicast passes;
/// 4. no localhost or local-network name;
/// 5. with a resolver, the name resolves, and every address it resolves to passes.
public struct URLPolicy: Sendable {
    /// Lets internal addresses and names through (the downloader's test setting,
    /// `download.allow_internal`). Every other rule still holds.
    public let allowInternal: Bool
    /// Lets `http://` URLs through as well as `https://` (port 80 unless one is named):
    /// for the operator's own endpoints, such as webhooks, never for a URL a third party
    /// gives us. Every other rule still holds.
    public let allowPlainHTTP: Bool
    /// Resolves names; nil judges a name by its form alone (`check-url --no-dns`).
    public let resolver: (any HostResolver)?

    public init(allowInternal: Bool = false, allowPlainHTTP: Bool = false, resolver: (any HostResolver)?) {
        self.allowInternal = allowInternal
        self.allowPlainHTTP = allowPlainHTTP
        self.resolver = resolver
    }

    /// The URL cut into parts with the addresses it may reach, or the first rule it breaks.
    public func check(_ url: String) -> Result<CheckedURL, URLRefusal> {
        let raw: RawURL
        switch RawURL.parse(url, allowPlainHTTP: allowPlainHTTP) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let value): raw = value
        }
        let parsed: HostParser.Parsed
        switch HostParser.parse(raw.hostText) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let value): parsed = value
        }
        let addresses: [IPAddress]
        switch parsed.host {
        case .address(let address):
            if let refusal = judgeLiteral(address, zone: parsed.zone, written: raw.hostText) {
                return .failure(refusal)
            }
            addresses = [address]
        case .name(let name):
            if !allowInternal, let refusal = HostParser.localNameRefusal(name, written: raw.hostText) {
                return .failure(refusal)
            }
            switch resolve(name) {
            case .failure(let refusal): return .failure(refusal)
            case .success(let value): addresses = value
            }
        }
        return .success(CheckedURL(
            scheme: raw.scheme, host: parsed.host, port: raw.port,
            hasExplicitPort: raw.hasExplicitPort, pathAndQuery: raw.pathAndQuery,
            addresses: addresses))
    }

    private func judgeLiteral(_ address: IPAddress, zone: String?, written: Substring) -> URLRefusal? {
        if !allowInternal, let range = address.specialPurposeRange {
            let shown = written.lowercased() == address.description ? "" : " (\(address))"
            return URLRefusal(
                rule: .internalAddress, part: String(written),
                message: "host \"\(written)\"\(shown) is \(range)")
        }
        if let zone {
            return URLRefusal(
                rule: .malformed, part: String(written),
                message: "host \"\(written)\" carries the zone id \"\(zone)\", which only means something on this machine's own links")
        }
        return nil
    }

    /// Every address must pass: a name with one public and one private address could be
    /// reached at either.
    private func resolve(_ name: String) -> Result<[IPAddress], URLRefusal> {
        guard let resolver else { return .success([]) }
        let found: [IPAddress]
        do {
            found = try resolver.resolve(name)
        } catch {
            let resolution = error as? HostResolutionError
            let detail = resolution?.detail ?? String(describing: error)
            return .failure(URLRefusal(
                rule: .unresolvable, part: name,
                message: "host \"\(name)\" does not resolve: \(detail)",
                isTemporary: resolution?.kind == .temporary))
        }
        var addresses: [IPAddress] = []
        for address in found where !addresses.contains(address) {
            addresses.append(address)
        }
        guard !addresses.isEmpty else {
            return .failure(URLRefusal(
                rule: .unresolvable, part: name,
                message: "host \"\(name)\" resolves to no address"))
        }
        if !allowInternal {
            for address in addresses {
                guard let range = address.specialPurposeRange else { continue }
                let others = addresses.count > 1 ? " (one of \(addresses.count) addresses; every one must be public)" : ""
                return .failure(URLRefusal(
                    rule: .resolvesInternal, part: name,
                    message: "host \"\(name)\" resolves to \(address), \(range)\(others)"))
            }
        }
        return .success(addresses)
    }
}
