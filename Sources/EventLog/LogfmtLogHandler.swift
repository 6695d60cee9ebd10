import Logging

/// A swift-log handler that writes each event as one logfmt line to a ``LogFile``.
///
/// Convention: the message is the event's name and the metadata its fields,
/// `logger.info("callback.accepted", metadata: ["task_id": "\(id)", "status": "completed"])`
/// gives `ts=… level=info event=callback.accepted task_id=… status=completed`.
public struct LogfmtLogHandler: LogHandler {
    public let label: String
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    private let file: LogFile
    private let redactor: SecretRedactor?
    private let levelSwitch: LogLevelSwitch
    /// Set when code changes this one logger's level; until then the shared switch rules.
    private var ownLevel: Logger.Level?

    public init(
        label: String,
        file: LogFile,
        redactor: SecretRedactor? = nil,
        level: LogLevelSwitch = LogLevelSwitch(),
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.file = file
        self.redactor = redactor
        self.levelSwitch = level
        self.metadataProvider = metadataProvider
    }

    public var logLevel: Logger.Level {
        get { ownLevel ?? levelSwitch.level }
        set { ownLevel = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged: Logger.Metadata
        if metadata.isEmpty && metadataProvider == nil {
            // The usual case: only the event's own fields, used as they are.
            merged = event.metadata ?? [:]
        } else {
            merged = metadata
            if let provided = metadataProvider?.get() {
                merged.merge(provided) { _, provided in provided }
            }
            if let explicit = event.metadata {
                merged.merge(explicit) { _, explicit in explicit }
            }
        }
        if let error = event.error {
            merged["error"] = .string("\(error)")
        }
        let line = LogfmtEncoder.bytes(
            timestamp: LogTimestamp.now(),
            level: event.level,
            event: event.message.description,
            metadata: merged,
            redactor: redactor
        )
        file.write(utf8: line)
    }
}
