import Testing
@testable import Settings
import TestSupport

/// Loads and expects failure; returns the problems for the test to inspect.
func problems(file: String? = nil, environment: [String: String] = [:],
              sourceLocation: SourceLocation = #_sourceLocation) -> [SettingsProblem] {
    do {
        let settings = try Settings.load(file: file, environment: environment)
        Issue.record("expected problems, loaded \(settings)", sourceLocation: sourceLocation)
        return []
    } catch {
        return error.problems
    }
}

/// Loads a YAML text written to a temporary file.
func load(yaml: String, environment: [String: String] = [:], in folder: TemporaryDirectory)
    throws -> Settings {
    let file = try folder.write("videohookd.yaml", yaml)
    return try Settings.load(file: file, environment: environment)
}

func problems(yaml: String, environment: [String: String] = [:], in folder: TemporaryDirectory,
              sourceLocation: SourceLocation = #_sourceLocation) throws -> [SettingsProblem] {
    let file = try folder.write("videohookd.yaml", yaml)
    return problems(file: file, environment: environment, sourceLocation: sourceLocation)
}
