import Yams

/// Reads the YAML config file into raw values by key, with the line of each, and
/// reports what is not a setting: unknown keys, duplicates, a file that is not YAML.
struct SettingsFileReader {
    /// A config file is a few kilobytes; this only stops a wrong path from being slurped.
    static let maxFileBytes = 1 << 20

    let path: String
    private(set) var values: [SettingsKey: RawSetting] = [:]
    private(set) var problems: [SettingsProblem] = []

    init(path: String) {
        self.path = path
    }

    mutating func read() {
        switch TextFileReader.read(path: path, maxBytes: Self.maxFileBytes) {
        case .failure(let problem):
            report(line: nil, key: "", "cannot read the config file: \(problem)")
        case .success(let text):
            parse(text)
        }
    }

    mutating func parse(_ text: String) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            reportYAMLError(error)
            return
        } catch {
            report(line: nil, key: "", "not valid YAML: \(error)")
            return
        }
        guard let root else { return }  // An empty file, or only comments: all defaults.
        guard case .mapping(let mapping) = root else {
            report(line: root.mark?.line, key: "",
                   "the file must be a mapping of keys to values, such as \"listen: 0.0.0.0:8443\"")
            return
        }
        readMapping(mapping, prefix: "")
    }

    private mutating func readMapping(_ mapping: Node.Mapping, prefix: String) {
        for (keyNode, valueNode) in mapping {
            let line = keyNode.mark?.line
            guard case .scalar(let scalar) = keyNode else {
                report(line: line, key: prefix, "a key must be a plain name")
                continue
            }
            let name = prefix + scalar.string
            if SettingsKey.sections.contains(name) {
                readSection(name, valueNode)
            } else if let key = SettingsKey(rawValue: name) {
                record(key, valueNode)
            } else {
                report(line: line, key: name, unknownKeyMessage(name))
            }
        }
    }

    private mutating func readSection(_ name: String, _ node: Node) {
        switch node {
        case .mapping(let mapping):
            readMapping(mapping, prefix: name + ".")
        case .scalar where node.null != nil:
            break  // `tls:` with nothing under it.
        default:
            let keys = SettingsKey.allCases.filter { $0.rawValue.hasPrefix(name + ".") }
                .map { String($0.rawValue.dropFirst(name.count + 1)) }
            report(line: node.mark?.line, key: name,
                   "is a section; expected keys under it: \(keys.joined(separator: ", "))")
        }
    }

    private mutating func record(_ key: SettingsKey, _ node: Node) {
        let line = node.mark?.line
        if let earlier = values[key], case .file(_, let earlierLine) = earlier.origin {
            report(line: line, key: key.rawValue,
                   "set twice; the first is on line \(earlierLine.map(String.init) ?? "?")")
            return
        }
        let shape: RawSetting.Shape
        switch node {
        case .scalar(let scalar):
            // The text as written, not YAML's reading of it: `listen: 1:30` is a port
            // to us, not 90 in base 60.
            shape = node.null != nil ? .empty : .text(scalar.string)
        case .sequence:
            shape = .list
        case .mapping:
            shape = .section
        case .alias:
            report(line: line, key: key.rawValue, "YAML aliases are not supported; write the value")
            return
        }
        let yaml = shape == .list || shape == .section ? try? Yams.serialize(node: node) : nil
        values[key] = RawSetting(shape: shape, origin: .file(path: path, line: line), yaml: yaml)
    }

    private func unknownKeyMessage(_ name: String) -> String {
        var message = "unknown key"
        if let suggestion = NameSuggester.closest(to: name, among: SettingsKey.allCases.map(\.rawValue)) {
            message += "; did you mean \(suggestion)?"
        }
        return message
    }

    private mutating func reportYAMLError(_ error: YamlError) {
        // Never the error's own description: it quotes the file's lines, which may hold
        // the API key.
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { "\(problem) \($0.text)" } ?? problem
            report(line: mark.line, key: "", "not valid YAML: \(detail)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            report(line: context.mark.line, key: duplicates.joined(separator: ", "),
                   "set twice in the same section")
        case .reader(let problem, _, _, _):
            report(line: nil, key: "", "not valid YAML text: \(problem)")
        default:
            report(line: nil, key: "", "not valid YAML")
        }
    }

    private mutating func report(line: Int?, key: String, _ message: String) {
        problems.append(SettingsProblem(file: path, line: line, key: key, message: message))
    }
}
