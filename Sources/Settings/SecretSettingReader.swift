import Foundation

/// A secret given either in place (`api.key`, `s3.secret_access_key`) or as a file that
/// holds it (`api.key_file`, `s3.secret_access_key_file`): one or the other, never both.
/// The file form suits systemd credentials (`LoadCredential=` puts a private copy under
/// `$CREDENTIALS_DIRECTORY`), keeping the secret out of the config file and the
/// environment. Every message describes the secret and never repeats it.
struct SecretSettingReader {
    /// A secret file is a line; the cap stops a wrong path (a video, a device) being read.
    static let fileMaxBytes = 64 << 10

    /// The key that takes the secret in place.
    let key: SettingsKey
    /// The key that names a file holding it.
    let fileKey: SettingsKey
    /// What messages call the secret: "the key", "the secret access key".
    let noun: String
    /// The most bytes the secret may have.
    let maxBytes: Int

    /// The secret, and the file when it came from one. The secret is nil when neither key
    /// is set, or when one is wrong (then a problem was reported).
    func read(_ reader: inout SettingsValueReader) -> (secret: Secret?, file: String?) {
        if reader.isSet(key) && reader.isSet(fileKey) {
            reader.report(fileKey, "\(key.rawValue) and \(fileKey.rawValue) are both set\(whereSet(key, reader)); keep one")
            return (nil, nil)
        }
        if let text = reader.text(key, expected: "a key") {
            return (Self.checked(text, key: key, source: noun, maxBytes: maxBytes, &reader), nil)
        }
        guard let path = reader.path(fileKey) else { return (nil, nil) }
        switch TextFileReader.read(path: path, maxBytes: Self.fileMaxBytes) {
        case .failure(let problem):
            reader.report(fileKey, "cannot read \(path): \(problem)")
            return (nil, path)
        case .success(let content):
            // Editors and `echo` end the file with a line break; it is not the secret's.
            let trimmed = content.trimmingCharacters(in: .whitespacesAndNewlines)
            return (Self.checked(trimmed, key: fileKey, source: "\(noun) in \(path)", maxBytes: maxBytes, &reader), path)
        }
    }

    /// A secret that goes into an HTTP header, or is signed into one: visible ASCII only,
    /// or a line break in it would inject headers.
    static func checked(_ text: String, key: SettingsKey, source: String, maxBytes: Int,
                        _ reader: inout SettingsValueReader) -> Secret? {
        if text.isEmpty {
            reader.report(key, "\(source) is empty")
            return nil
        }
        guard isVisibleASCII(text), text.utf8.count <= maxBytes else {
            reader.report(key, "\(source) must be printable ASCII without spaces, at most \(maxBytes) characters")
            return nil
        }
        return Secret(text)
    }

    static func isVisibleASCII(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { (0x21...0x7E).contains($0.value) }
    }

    /// ` (api.key on /etc/videohookd.yaml:12)`: where the other of the two was set.
    private func whereSet(_ key: SettingsKey, _ reader: SettingsValueReader) -> String {
        switch reader.origin(of: key) {
        case .file(let path, let line?): " (\(key.rawValue) on \(path):\(line))"
        case .file(let path, nil): " (\(key.rawValue) in \(path))"
        case .environment(let variable): " (\(key.rawValue) by \(variable))"
        case nil: ""
        }
    }
}
