import ArgumentParser
import Foundation
import Daemon
import Serve
import Settings

/// `videohookd serve`: the daemon, in the foreground.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the daemon in the foreground: receive callbacks over HTTPS and archive the videos.",
        discussion: """
            With no settings file, runs on embedded defaults: the state folder is \
            $STATE_DIRECTORY or ./videohookd-state, where a self-signed certificate and the \
            callback token are made on first start; the callbacks listener is 0.0.0.0:8443 \
            and the admin listener (/healthz, /readyz, /metrics) 127.0.0.1:9090.

            Signals: SIGTERM or SIGINT stop accepting, answer what is in flight and exit 0; \
            SIGHUP reloads the settings that can change live and the TLS certificate, and \
            reopens the log file.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The settings file (YAML); default $\(Settings.configFileVariable), else none.",
                                            valueName: "file"))
    var config: String?

    func run() throws {
        // Before any thread exists, so every thread inherits the blocked signals.
        SignalWatcher.prepareProcess()
        let environment = ProcessInfo.processInfo.environment
        let file = Settings.configFile(option: config, environment: environment)
        let settings: Settings
        do {
            settings = try Settings.load(file: file, environment: environment)
        } catch {
            fail(error.description)
        }
        do {
            let activated = try ListenerSource.takeActivatedSockets(environment: environment)
            let status = try ServeRuntime(settings: settings, configFile: file, environment: environment,
                                          activatedSockets: activated).run()
            throw ExitCode(status)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            fail("\(error)")
        }
    }

    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data(("videohookd serve: " + message + "\n").utf8))
        Foundation.exit(1)
    }
}
