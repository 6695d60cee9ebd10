import ArgumentParser
import Foundation
import Ledger

/// Where the commands that read the ledger find it: `<state_dir>/ledger.sqlite`.
/// The state folder comes from `--state-dir`, else `$STATE_DIRECTORY` (systemd's
/// `StateDirectory=`; the first when it names several), else `./videohookd-state`.
struct LedgerLocation: ParsableArguments {
    @Option(name: .customLong("state-dir"),
            help: ArgumentHelp("The state folder holding ledger.sqlite (default: $STATE_DIRECTORY, else ./videohookd-state).",
                               valueName: "dir"))
    var stateDirectory: String?

    var ledgerPath: String {
        let directory = stateDirectory
            ?? ProcessInfo.processInfo.environment["STATE_DIRECTORY"]?
                .split(separator: ":").first.map(String.init)
            ?? "./videohookd-state"
        return (directory as NSString).appendingPathComponent("ledger.sqlite")
    }

    /// Opens the ledger read-only beside a running `serve`; a failure becomes the
    /// command's message and exit code 1.
    func openForReading() throws -> Ledger {
        do {
            return try Ledger.openForReading(path: ledgerPath)
        } catch {
            throw CommandFailure(error.description)
        }
    }
}
