import ArgumentParser
import Foundation
import Ledger
import Settings

/// Where the commands that read the ledger find it: `<state_dir>/ledger.sqlite`, with
/// the state folder from `--state-dir`, else the settings (`--config`, else
/// `$VIDEOHOOKD_CONFIG`, with the environment's overrides and `$STATE_DIRECTORY`), else
/// `./videohookd-state`: the same folder `serve` uses with the same settings.
struct LedgerLocation: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The settings file (YAML) that names state_dir.", valueName: "file"))
    var config: String?

    @Option(name: .customLong("state-dir"),
            help: ArgumentHelp("The state folder holding ledger.sqlite (overrides the settings).", valueName: "dir"))
    var stateDirectory: String?

    func settings() throws -> Settings {
        let environment = ProcessInfo.processInfo.environment
        do {
            return try Settings.load(file: Settings.configFile(option: config, environment: environment),
                                     environment: environment)
        } catch {
            throw CommandFailure(error.description)
        }
    }

    func ledgerPath() throws -> String {
        let directory = try stateDirectory ?? settings().stateDirectory
        return (directory as NSString).appendingPathComponent("ledger.sqlite")
    }

    /// Opens the ledger read-only beside a running `serve`; a failure becomes the
    /// command's message and exit code 1.
    func openForReading() throws -> Ledger {
        do {
            return try Ledger.openForReading(path: try ledgerPath())
        } catch let failure as CommandFailure {
            throw failure
        } catch let error as LedgerError {
            throw CommandFailure(error.description)
        }
    }

    /// Opens the ledger to change it beside a running `serve` (`retry`); never creates
    /// one: a missing ledger means `serve` has not run with these settings.
    func openForWriting() throws -> Ledger {
        let path = try ledgerPath()
        do {
            guard FileManager.default.fileExists(atPath: path) else { throw LedgerError.notFound(path: path) }
            return try Ledger.open(path: path)
        } catch let error as LedgerError {
            throw CommandFailure(error.description)
        }
    }
}
