/// Reads `VIDEOHOOKD_*` variables into raw values by key. A variable with the prefix
/// that names no key is a problem, not ignored: a typo would otherwise leave the
/// operator's setting silently unused.
struct SettingsEnvironmentReader {
    private(set) var values: [SettingsKey: RawSetting] = [:]
    private(set) var problems: [SettingsProblem] = []

    init(environment: [String: String]) {
        let keysByVariable = Dictionary(uniqueKeysWithValues: SettingsKey.allCases.map {
            ($0.environmentVariable, $0)
        })
        for (variable, value) in environment.sorted(by: { $0.key < $1.key })
            where variable.hasPrefix(SettingsKey.environmentPrefix) {
            guard let key = keysByVariable[variable] else {
                if !SettingsKey.otherEnvironmentVariables.contains(variable) {
                    problems.append(unknown(variable, known: Array(keysByVariable.keys)))
                }
                continue
            }
            let shape: RawSetting.Shape = value.isEmpty ? .empty : .text(value)
            values[key] = RawSetting(shape: shape, origin: .environment(variable: variable))
        }
    }

    private func unknown(_ variable: String, known: [String]) -> SettingsProblem {
        var message = "names no setting"
        let candidates = known + SettingsKey.otherEnvironmentVariables
        if let suggestion = NameSuggester.closest(to: variable, among: candidates.sorted()) {
            message += "; did you mean \(suggestion)?"
        }
        return SettingsProblem(environmentVariable: variable, key: "", message: message)
    }
}
