import ArgumentParser
import URLPolicy

/// `videohookd check-url URL`: the callback URL rules on one URL, for an operator or a
/// script. Exit status 0 accepted, 1 refused, 2 usage error.
struct CheckURLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-url",
        abstract: "Check a URL against the callback URL rules.",
        discussion: """
            Prints "ok", or "refused", the rule the URL breaks and the part at fault.
            The same rules apply to public_url, to every task submitted and to every \
            video URL and redirect the downloader follows.

            Exit status: 0 accepted, 1 refused, 2 usage error.
            """
    )

    @Flag(name: .customLong("no-dns"), help: "Judge a host name by its form only, without resolving it.")
    var noDNS = false

    @Argument(help: "The URL to check. Quote it, so the shell leaves ? & and # alone.")
    var url: String

    func run() throws {
        let policy = URLPolicy(resolver: noDNS ? nil : SystemHostResolver())
        switch policy.check(url) {
        case .success(let checked):
            print("ok")
            if checked.serverName != nil {
                print(checked.addresses.isEmpty
                      ? "not resolved (--no-dns): the name was judged by its form only"
                      : "resolves to \(checked.addresses.map(\.description).joined(separator: ", "))")
            }
        case .failure(let refusal):
            print("refused \(refusal.rule): \(refusal.message)")
            throw ExitCode(1)
        }
    }
}
