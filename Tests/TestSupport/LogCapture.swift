import Foundation
import Logging

/// Keeps every log event a test's logger emits, so a test can check that a line (a
/// download's retry, the server's memory return) was written with the right fields.
public final class LogCapture: @unchecked Sendable {
    // Sendable: `entries` is only touched under `lock`.
    public struct Entry: Sendable {
        public var level: Logger.Level
        public var event: String
        public var metadata: [String: String]
    }

    private let lock = NSLock()
    private var entries: [Entry] = []

    public init() {}

    public var logger: Logger {
        Logger(label: "downloader-test") { _ in CaptureHandler(capture: self) }
    }

    func append(_ entry: Entry) {
        lock.lock()
        entries.append(entry)
        lock.unlock()
    }

    public var all: [Entry] {
        lock.lock()
        defer { lock.unlock() }
        return entries
    }

    public func events(_ name: String, task: String? = nil) -> [Entry] {
        all.filter { $0.event == name && (task == nil || $0.metadata["task_id"] == task) }
    }

    /// Every line as `event key=value …`, for a failure message.
    public var text: String {
        all.map { entry in
            entry.event + " " + entry.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }.joined(separator: "\n")
    }
}

private struct CaptureHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        capture.append(.init(level: event.level, event: event.message.description,
                             metadata: merged.mapValues { "\($0)" }))
    }
}
