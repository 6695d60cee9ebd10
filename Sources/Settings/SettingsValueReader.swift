import Foundation

/// Reads each key's raw value by the key's type rules and collects a problem for every
/// value that breaks them. A missing or empty value reads as nil: the default applies.
struct SettingsValueReader {
    let values: [SettingsKey: RawSetting]
    private(set) var problems: [SettingsProblem] = []
    /// Allowed, but worth a second look: `check-config` prints them without failing.
    private(set) var warnings: [SettingsProblem] = []

    init(values: [SettingsKey: RawSetting]) {
        self.values = values
    }

    func origin(of key: SettingsKey) -> SettingsOrigin? {
        values[key]?.origin
    }

    func isSet(_ key: SettingsKey) -> Bool {
        guard let raw = values[key] else { return false }
        return raw.shape != .empty
    }

    mutating func report(_ key: SettingsKey, _ message: String) {
        problems.append(SettingsProblem(origin: origin(of: key), key: key.rawValue, message: message))
    }

    mutating func warn(_ key: SettingsKey, _ message: String) {
        warnings.append(SettingsProblem(origin: origin(of: key), key: key.rawValue, message: message))
    }

    /// The text of a single value; a list or a section is a problem.
    mutating func text(_ key: SettingsKey, expected: String) -> String? {
        guard let raw = values[key] else { return nil }
        switch raw.shape {
        case .empty:
            return nil
        case .text(let text):
            return text
        case .list:
            var message = "expected \(expected), got a list"
            if key == .listen || key == .adminListen {
                message += "; an IPv6 address must be quoted in YAML: \"[::]:8443\""
            }
            report(key, message)
            return nil
        case .section:
            report(key, "expected \(expected), got a section")
            return nil
        }
    }

    mutating func path(_ key: SettingsKey) -> String? {
        guard let text = text(key, expected: "a path") else { return nil }
        if text.contains("\0") || text.contains("\n") {
            report(key, "a path cannot hold a NUL or a line break")
            return nil
        }
        return text
    }

    /// A path that must name a readable file now: certificates, keys, CA bundles.
    mutating func readableFile(_ key: SettingsKey) -> String? {
        guard let path = path(key) else { return nil }
        if access(path, R_OK) != 0 {
            report(key, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        return path
    }

    mutating func integer(_ key: SettingsKey, in range: ClosedRange<Int>) -> Int? {
        guard let text = text(key, expected: "a whole number") else { return nil }
        let trimmed = text.trimmingSpaces()
        guard let value = Int(trimmed), range.contains(value) else {
            report(key, "expected a whole number from \(range.lowerBound) to \(range.upperBound), got \(shown(text))")
            return nil
        }
        return value
    }

    /// `reason` follows the range in the message when the value is outside it.
    mutating func byteCount(_ key: SettingsKey, in range: ClosedRange<Int>, reason: String? = nil) -> Int? {
        guard let text = text(key, expected: "a size") else { return nil }
        guard let value = ByteCountParser.parse(text) else {
            report(key, "expected a size in bytes such as 1048576 or \"1MiB\" (units B, KiB, MiB, GiB, TiB, "
                + "KB, MB, GB, TB), got \(shown(text))")
            return nil
        }
        guard range.contains(value) else {
            report(key, "expected a size from \(ByteCountParser.format(range.lowerBound)) to "
                + "\(ByteCountParser.format(range.upperBound)), got \(shown(text))" + (reason.map { ": \($0)" } ?? ""))
            return nil
        }
        return value
    }

    mutating func duration(_ key: SettingsKey, in range: ClosedRange<Duration>) -> Duration? {
        guard let text = text(key, expected: "a duration") else { return nil }
        guard let value = DurationParser.parse(text) else {
            report(key, "expected a duration such as 10, \"10s\", \"500ms\" or \"2m\", got \(shown(text))")
            return nil
        }
        guard range.contains(value) else {
            report(key, "expected a duration from \(DurationParser.format(range.lowerBound)) to "
                + "\(DurationParser.format(range.upperBound)), got \(shown(text))")
            return nil
        }
        return value
    }

    mutating func bool(_ key: SettingsKey) -> Bool? {
        guard let text = text(key, expected: "true or false") else { return nil }
        switch text.trimmingSpaces().lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default:
            report(key, "expected true or false, got \(shown(text))")
            return nil
        }
    }

    mutating func listenAddress(_ key: SettingsKey) -> ListenAddress? {
        guard let text = text(key, expected: "host:port") else { return nil }
        switch ListenAddress.parse(text.trimmingSpaces()) {
        case .success(let address):
            return address
        case .failure(let invalid):
            report(key, "\(invalid.reason), got \(shown(text))")
            return nil
        }
    }

    mutating func logLevel(_ key: SettingsKey) -> LogLevelName? {
        guard let text = text(key, expected: "a log level") else { return nil }
        guard let level = LogLevelName(rawValue: text.trimmingSpaces().lowercased()) else {
            let names = LogLevelName.allCases.map(\.rawValue).joined(separator: ", ")
            report(key, "expected one of \(names), got \(shown(text))")
            return nil
        }
        return level
    }

    /// An http(s) URL with a host and nothing after the path; returned without a
    /// trailing slash so that paths can be appended.
    mutating func url(_ key: SettingsKey, schemes: Set<String>, example: String) -> String? {
        guard let text = text(key, expected: "a URL") else { return nil }
        let trimmed = text.trimmingSpaces()
        let expected = "expected a URL such as \(example), got \(shown(text))"
        guard let components = URLComponents(string: trimmed),
              let scheme = components.scheme?.lowercased() else {
            report(key, expected)
            return nil
        }
        guard schemes.contains(scheme) else {
            let allowed = schemes.sorted().joined(separator: " or ")
            report(key, "the scheme must be \(allowed), got \(shown(text))")
            return nil
        }
        guard let host = components.host, !host.isEmpty else {
            report(key, "\(expected): the host is missing")
            return nil
        }
        guard components.user == nil, components.password == nil,
              components.query == nil, components.fragment == nil else {
            report(key, "\(expected): no user name, password, query or fragment")
            return nil
        }
        var result = trimmed
        while result.hasSuffix("/") { result.removeLast() }
        return result
    }

    /// `"four"`, with control characters escaped and long values cut, so that a hostile
    /// or binary value cannot garble the message.
    func shown(_ text: String) -> String {
        let cut = text.count > 80 ? String(text.prefix(80)) + "…" : text
        return cut.debugDescription
    }
}
