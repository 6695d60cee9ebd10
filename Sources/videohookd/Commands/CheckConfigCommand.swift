import ArgumentParser
import Foundation
import Settings

/// `videohookd check-config [--config FILE]`: loads the settings exactly as `serve` would
/// and prints either the effective values or every problem, one per line.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check the settings file and the VIDEOHOOKD_* environment, and show the effective settings.",
        discussion: """
            Prints "ok: FILE" and every setting's effective value (secrets show as "(set)"), \
            or every problem found, one per line with the file's line and the key, and exits 1.
            Without --config, $\(Settings.configFileVariable) names the file; with neither, \
            the embedded defaults and the environment are checked.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The settings file (YAML).", valueName: "file"))
    var config: String?

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let file = Settings.configFile(option: config, environment: environment)
        let settings: Settings
        do {
            settings = try Settings.load(file: file, environment: environment)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(1)
        }
        print("ok: \(file ?? "no config file; embedded defaults and environment")")
        for line in settings.summaryLines {
            print("  \(line)")
        }
        for warning in settings.warnings {
            print("warning: \(warning)")
        }
    }
}
