import Foundation
import Outbox
import Yams

/// Reads `notify.*` from the raw values: the two lists of maps (from the file's YAML, or
/// a YAML flow sequence in `VIDEOHOOKD_NOTIFY_WEBHOOKS` / `_COMMANDS`), the retry delays
/// (a list, or `1s,1m,1h` in the environment), the concurrency and the timeout.
struct NotifySettingsReader {
    static let secretFileMaxBytes = 64 << 10
    static let webhookKeys = ["url", "secret", "secret_file", "events", "ca_file"]
    static let commandKeys = ["run", "events", "timeout"]

    static func read(into settings: inout NotifySettings, reader: inout SettingsValueReader) {
        if let count = reader.integer(.notifyConcurrency, in: NotifySettings.concurrencyRange) { settings.concurrency = count }
        if let timeout = reader.duration(.notifyTimeout, in: .milliseconds(100) ... .seconds(3600)) { settings.timeout = timeout }
        if let delays = retryDelays(&reader) { settings.retryDelays = delays }
        if let list = entries(.notifyWebhooks, &reader) {
            settings.webhooks = list.enumerated().compactMap { webhook($1, index: $0, &reader) }
        }
        if let list = entries(.notifyCommands, &reader) {
            settings.commands = list.enumerated().compactMap { command($1, index: $0, &reader) }
        }
    }

    /// The YAML of a list key, parsed.
    private static func yamlValue(_ key: SettingsKey, _ reader: inout SettingsValueReader) -> Any?? {
        guard let raw = reader.values[key] else { return nil }
        let text: String
        switch raw.shape {
        case .empty: return nil
        case .text(let value): text = value
        case .list, .section: text = raw.yaml ?? ""
        }
        do {
            return .some(try Yams.load(yaml: text))
        } catch {
            reader.report(key, "not a YAML list: write it as a list under the key, or in the environment as a flow list such as [{url: ...}]")
            return .some(nil)
        }
    }

    private static func entries(_ key: SettingsKey, _ reader: inout SettingsValueReader) -> [[String: Any]]? {
        guard let value = yamlValue(key, &reader) else { return nil }
        guard let list = value as? [Any] else {
            reader.report(key, "expected a list of entries, each a map (\"- url: ...\")")
            return nil
        }
        var maps: [[String: Any]] = []
        for (index, item) in list.enumerated() {
            guard let map = item as? [String: Any] else {
                reader.report(key, "entry \(index + 1) is not a map of keys (\"- url: ...\")")
                continue
            }
            maps.append(map)
        }
        return maps
    }

    private static func retryDelays(_ reader: inout SettingsValueReader) -> [Duration]? {
        guard let value = yamlValue(.notifyRetryDelays, &reader) else { return nil }
        let texts: [String]
        if let list = value as? [Any] {
            texts = list.map { "\($0)" }
        } else if let text = value as? String {
            texts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        } else {
            texts = value.map { ["\($0)"] } ?? []
        }
        var delays: [Duration] = []
        for text in texts {
            guard let delay = DurationParser.parse(text), delay > .zero else {
                reader.report(.notifyRetryDelays, "\"\(text)\" is not a positive duration such as 5s, 5m, 2h")
                return nil
            }
            delays.append(delay)
        }
        guard (1...NotifySettings.maxRetryDelays).contains(delays.count) else {
            reader.report(.notifyRetryDelays, "expected 1 to \(NotifySettings.maxRetryDelays) delays, got \(delays.count)")
            return nil
        }
        return delays
    }

    private static func unknownKeys(_ map: [String: Any], known: [String], where label: String, _ key: SettingsKey,
                                    _ reader: inout SettingsValueReader) {
        for name in map.keys.sorted() where !known.contains(name) {
            var message = "\(label): unknown key \(name)"
            if let suggestion = NameSuggester.closest(to: name, among: known) { message += "; did you mean \(suggestion)?" }
            reader.report(key, message)
        }
    }

    private static func events(_ value: Any?, where label: String, _ key: SettingsKey,
                               _ reader: inout SettingsValueReader) -> [NotificationEventType]? {
        guard let value else { return NotificationEventType.allCases }
        let names: [String] = (value as? [Any])?.map { "\($0)" } ?? ["\(value)"]
        var events: [NotificationEventType] = []
        for name in names {
            guard let event = NotificationEventType(rawValue: name) else {
                var message = "\(label): unknown event \(name)"
                if let suggestion = NameSuggester.closest(to: name, among: NotificationEventType.allNames) {
                    message += "; did you mean \(suggestion)?"
                } else {
                    message += "; the events are \(NotificationEventType.allNames.joined(separator: ", "))"
                }
                reader.report(key, message)
                return nil
            }
            if !events.contains(event) { events.append(event) }
        }
        guard !events.isEmpty else {
            reader.report(key, "\(label): events is empty; leave it out to take every event")
            return nil
        }
        return NotificationEventType.allCases.filter(events.contains)
    }

    private static func webhook(_ map: [String: Any], index: Int, _ reader: inout SettingsValueReader) -> WebhookTargetSettings? {
        let label = "notify.webhooks[\(index)]"
        let key = SettingsKey.notifyWebhooks
        unknownKeys(map, known: webhookKeys, where: label, key, &reader)
        guard let url = map["url"] as? String, let parts = URLComponents(string: url),
              let scheme = parts.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = parts.host, !host.isEmpty, parts.user == nil else {
            reader.report(key, "\(label): url must be an http or https URL with a host, such as https://app.internal.example/hooks/videos")
            return nil
        }
        var secrets: [Secret] = []
        var secretFile: String?
        switch (map["secret"], map["secret_file"]) {
        case (nil, nil):
            reader.report(key, "\(label): set secret (whsec_...) or secret_file; make one with: echo whsec_$(openssl rand -base64 32)")
            return nil
        case (_?, _?):
            reader.report(key, "\(label): secret and secret_file are both set; keep one")
            return nil
        case (let value?, nil):
            let texts = (value as? [Any])?.map { "\($0)" } ?? ["\(value)"]
            secrets = texts.map(Secret.init)
        case (nil, let path?):
            let path = "\(path)"
            secretFile = path
            switch TextFileReader.read(path: path, maxBytes: secretFileMaxBytes) {
            case .failure(let problem):
                reader.report(key, "\(label): cannot read secret_file \(path): \(problem)")
                return nil
            case .success(let content):
                secrets = content.split(whereSeparator: \.isNewline)
                    .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map(Secret.init)
            }
        }
        guard !secrets.isEmpty else {
            reader.report(key, "\(label): no secret given\(secretFile.map { " (\($0) is empty)" } ?? "")")
            return nil
        }
        for (number, secret) in secrets.enumerated() where !Self.isWebhookSecret(secret.value) {
            // The value is a secret: described, never repeated.
            reader.report(key, "\(label): secret \(number + 1) is not whsec_ followed by the base64 of 24 to 64 bytes; make one with: echo whsec_$(openssl rand -base64 32)")
            return nil
        }
        guard let events = events(map["events"], where: label, key, &reader) else { return nil }
        var caFile: String?
        if let path = map["ca_file"].map({ "\($0)" }) {
            guard access(path, R_OK) == 0 else {
                reader.report(key, "\(label): cannot read ca_file \(path): \(String(cString: strerror(errno)))")
                return nil
            }
            caFile = path
        }
        return WebhookTargetSettings(url: url, secrets: secrets, secretFile: secretFile, events: events, caFile: caFile)
    }

    private static func command(_ map: [String: Any], index: Int, _ reader: inout SettingsValueReader) -> CommandTargetSettings? {
        let label = "notify.commands[\(index)]"
        let key = SettingsKey.notifyCommands
        unknownKeys(map, known: commandKeys, where: label, key, &reader)
        guard let run = (map["run"] as? [Any])?.map({ "\($0)" }), let program = run.first, program.hasPrefix("/") else {
            reader.report(key, "\(label): run must be a list, the program's absolute path first, such as [\"/usr/local/bin/on-video\", \"--archive\"] (no shell)")
            return nil
        }
        if run.contains(where: { $0.contains("\0") }) {
            reader.report(key, "\(label): run cannot hold a NUL")
            return nil
        }
        guard let events = events(map["events"], where: label, key, &reader) else { return nil }
        var timeout: Duration = .seconds(300)
        if let value = map["timeout"] {
            guard let parsed = DurationParser.parse("\(value)"), parsed > .zero, parsed <= .seconds(86_400) else {
                reader.report(key, "\(label): timeout \"\(value)\" is not a duration from 1ms to 24h, such as 30s or 5m")
                return nil
            }
            timeout = parsed
        }
        return CommandTargetSettings(run: run, events: events, timeout: timeout)
    }

    /// `whsec_` and the standard base64 of a 24- to 64-byte key.
    static func isWebhookSecret(_ text: String) -> Bool {
        guard text.hasPrefix("whsec_"), let key = Data(base64Encoded: String(text.dropFirst(6))) else { return false }
        return (24...64).contains(key.count)
    }
}
