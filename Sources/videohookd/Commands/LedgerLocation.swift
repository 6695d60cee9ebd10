import ArgumentParser
import Foundation
import Ledger
import Settings

/// Where the commands that read the ledger find it: the shared PostgreSQL ledger when the
/// settings name one (`ledger.url`), else `<state_dir>/ledger.sqlite`, with the state
/// folder from `--state-dir`, else the settings (`--config`, else `$VIDEOHOOKD_CONFIG`,
/// with the environment's overrides and `$STATE_DIRECTORY`), else `./videohookd-state`:
/// the same ledger `serve` uses with the same settings.
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
            if let shared = try settings().ledger {
                return try Ledger.openForReading(postgres: shared.url, password: shared.password?.value)
            }
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
        if let shared = try settings().ledger {
            do {
                // Never migrates a database `serve` has not made its own: a read opens it
                // first, which says "not found" or "too old" as it would for a file.
                try Ledger.openForReading(postgres: shared.url, password: shared.password?.value).close()
                return try Ledger.open(postgres: shared.url, password: shared.password?.value)
            } catch {
                throw CommandFailure(error.description)
            }
        }
        let path = try ledgerPath()
        do {
            guard FileManager.default.fileExists(atPath: path) else { throw LedgerError.notFound(path: path) }
            return try Ledger.open(path: path)
        } catch let error as LedgerError {
            throw CommandFailure(error.description)
        }
    }

    /// Opens the ledger to write it, making and migrating it when it is new, as `serve`
    /// does (`submit` and `reconcile` may run before `serve` ever has).
    static func open(_ settings: Settings, stateDirectory: String) throws(LedgerError) -> Ledger {
        if let shared = settings.ledger {
            return try Ledger.open(postgres: shared.url, password: shared.password?.value)
        }
        return try Ledger.open(path: (stateDirectory as NSString).appendingPathComponent("ledger.sqlite"))
    }
}
