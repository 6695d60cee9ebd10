/// A resolver with answers given in advance, for tests here and in the modules that
/// use the policy (the downloader's tests among them). A name it was not given is not
/// found.
public struct FixedHostResolver: HostResolver {
    private let answers: [String: Result<[IPAddress], HostResolutionError>]

    public init(_ answers: [String: Result<[IPAddress], HostResolutionError>]) {
        self.answers = answers
    }

    /// Every name answers with its addresses.
    public init(addresses: [String: [IPAddress]]) {
        self.answers = addresses.mapValues { .success($0) }
    }

    public func resolve(_ host: String) throws -> [IPAddress] {
        guard let answer = answers[host] else {
            throw HostResolutionError(kind: .notFound, detail: "no answer set for \"\(host)\"")
        }
        return try answer.get()
    }
}
