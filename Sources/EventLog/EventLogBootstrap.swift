import Logging

/// Installs the logfmt file handler as the process's swift-log backend.
public enum EventLogBootstrap {
    /// The factory `LoggingSystem.bootstrap` takes; separate so tests can make loggers
    /// without touching the process-wide log system, which can be set only once.
    public static func makeFactory(
        file: LogFile,
        redactor: SecretRedactor,
        level: LogLevelSwitch
    ) -> @Sendable (String, Logger.MetadataProvider?) -> any LogHandler {
        { label, metadataProvider in
            LogfmtLogHandler(label: label, file: file, redactor: redactor, level: level,
                             metadataProvider: metadataProvider)
        }
    }

    /// Call once, at start, before any logger is made.
    public static func bootstrap(
        file: LogFile,
        redactor: SecretRedactor,
        level: LogLevelSwitch,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        LoggingSystem.bootstrap(makeFactory(file: file, redactor: redactor, level: level),
                                metadataProvider: metadataProvider)
    }
}
