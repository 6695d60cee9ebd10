/// One thing wrong with the settings: where, which key, and what.
///
/// Its description is one line an operator can act on:
/// `config.yaml:12: download.concurrency: expected a whole number from 1 to 64, got "four"`.
public struct SettingsProblem: Sendable, Equatable, CustomStringConvertible {
    /// The config file, when the problem is in it.
    public var file: String?
    /// The line in ``file``, when the file gives one.
    public var line: Int?
    /// The environment variable, when the problem is in one.
    public var environmentVariable: String?
    /// The setting's key, or the unknown name as written.
    public var key: String
    public var message: String

    public init(file: String? = nil, line: Int? = nil, environmentVariable: String? = nil,
                key: String, message: String) {
        self.file = file
        self.line = line
        self.environmentVariable = environmentVariable
        self.key = key
        self.message = message
    }

    init(origin: SettingsOrigin?, key: String, message: String) {
        switch origin {
        case .file(let path, let line):
            self.init(file: path, line: line, key: key, message: message)
        case .environment(let variable):
            self.init(environmentVariable: variable, key: key, message: message)
        case nil:
            self.init(key: key, message: message)
        }
    }

    public var description: String {
        var place = ""
        if let file {
            place = line.map { "\(file):\($0): " } ?? "\(file): "
        } else if let environmentVariable {
            place = "environment \(environmentVariable): "
        }
        return key.isEmpty ? place + message : place + key + ": " + message
    }
}
