import Foundation

/// Reads `ledger.*` (the file and `VIDEOHOOKD_LEDGER_*`). Without `ledger.url` the
/// ledger is SQLite and `ledger.password_file` does nothing, which earns a warning.
enum LedgerSettingsReader {
    static let schemes: Set<String> = ["postgresql", "postgres"]
    static let urlMaxBytes = 4096
    static let passwordMaxBytes = 4096

    static func read(_ reader: inout SettingsValueReader) -> LedgerSettings? {
        guard reader.isSet(.ledgerURL) else {
            if reader.isSet(.ledgerPasswordFile) {
                reader.warn(.ledgerPasswordFile, "set, but ledger.url is not, so it does nothing and the ledger "
                    + "stays SQLite in state_dir; set ledger.url to share a PostgreSQL ledger, or remove it")
            }
            return nil
        }
        guard let url = url(&reader) else { return nil }
        let (password, file) = password(&reader)
        return LedgerSettings(url: url, password: password, passwordFile: file)
    }

    /// The URL as libpq takes it. The checks are the ones a typo would fail; libpq itself
    /// parses the rest (the query's `sslmode`, `host=` for a socket folder, several hosts).
    private static func url(_ reader: inout SettingsValueReader) -> String? {
        guard let text = reader.text(.ledgerURL, expected: "a postgresql:// URL")?.trimmingSpaces() else { return nil }
        let example = "postgresql://videohookd@db.example.com:5432/videohookd?sslmode=verify-full"
        guard text.utf8.count <= urlMaxBytes, let components = URLComponents(string: text),
              let scheme = components.scheme?.lowercased() else {
            reader.report(.ledgerURL, "expected a URL such as \(example), got \(reader.shown(redacted(text)))")
            return nil
        }
        guard schemes.contains(scheme) else {
            reader.report(.ledgerURL, "the scheme must be postgresql (libpq's URL form), got \(reader.shown(scheme)); "
                + "for example \(example)")
            return nil
        }
        if components.password != nil {
            // A password here shows wherever the URL does: in check-config, ps, a backup.
            reader.report(.ledgerURL, "holds a password; remove it from the URL and put it in a file named by "
                + "ledger.password_file (or let libpq find it in PGPASSWORD or ~/.pgpass)")
            return nil
        }
        if components.queryItems?.contains(where: { $0.name.lowercased() == "password" }) == true {
            reader.report(.ledgerURL, "holds a password parameter; put the password in a file named by "
                + "ledger.password_file instead")
            return nil
        }
        let socketFolder = components.queryItems?.contains { $0.name == "host" } ?? false
        if (components.host ?? "").isEmpty && !socketFolder && !components.path.isEmpty && components.path != "/" {
            // postgresql:///db is libpq's default socket: allowed, and worth saying.
            reader.warn(.ledgerURL, "names no host, so libpq uses its default (PGHOST, else the local socket)")
        }
        return text
    }

    private static func password(_ reader: inout SettingsValueReader) -> (Secret?, String?) {
        guard let path = reader.path(.ledgerPasswordFile) else { return (nil, nil) }
        switch TextFileReader.read(path: path, maxBytes: SecretSettingReader.fileMaxBytes) {
        case .failure(let problem):
            reader.report(.ledgerPasswordFile, "cannot read \(path): \(problem)")
            return (nil, path)
        case .success(let content):
            // Editors and `echo` end the file with a line break; it is not the password's.
            let password = content.trimmingCharacters(in: .newlines)
            if password.isEmpty {
                reader.report(.ledgerPasswordFile, "the password in \(path) is empty")
                return (nil, path)
            }
            guard password.utf8.count <= passwordMaxBytes,
                  !password.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                reader.report(.ledgerPasswordFile, "the password in \(path) must be one line without control "
                    + "characters, at most \(passwordMaxBytes) bytes")
                return (nil, path)
            }
            return (Secret(password), path)
        }
    }

    /// The URL with anything between `://` and `@` that holds a `:` cut, for messages.
    static func redacted(_ text: String) -> String {
        guard let start = text.range(of: "://"), let at = text[start.upperBound...].firstIndex(of: "@") else { return text }
        let userInfo = text[start.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":(password)" + String(text[at...])
    }
}
