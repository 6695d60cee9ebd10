import Foundation
import Logging

/// How the API client's log lines reach the operator of a one-shot command: warnings and
/// worse on stderr as `videohookd: <event> key=value ...`; nothing goes to the daemon's
/// log file, which belongs to `serve`. The client never logs the API key, and the
/// values are from the client's own messages, already cleaned of control characters.
struct CommandLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .warning

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = "videohookd: \(event.message)"
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(Self.quoted("\(value)"))"
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func logger() -> Logger {
        Logger(label: "videohookd") { _ in CommandLogHandler() }
    }

    private static func quoted(_ value: String) -> String {
        value.contains(" ") || value.isEmpty ? "\"\(value)\"" : value
    }
}
