extension Settings {
    /// Loads the settings: the embedded defaults, then `file` (YAML) when given, then the
    /// `VIDEOHOOKD_*` variables of `environment`. For `s3.*`, the AWS variables
    /// (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, ...) come between the defaults and the file.
    ///
    /// - Throws: ``SettingsError`` with every problem found, each naming the key and,
    ///   when it comes from the file, the line.
    public static func load(file: String?, environment: [String: String]) throws(SettingsError) -> Settings {
        var values: [SettingsKey: RawSetting] = [:]
        var problems: [SettingsProblem] = []

        if let file {
            var reader = SettingsFileReader(path: file)
            reader.read()
            values = reader.values
            problems += reader.problems
        }
        let environmentReader = SettingsEnvironmentReader(environment: environment)
        values.merge(environmentReader.values) { _, fromEnvironment in fromEnvironment }
        problems += environmentReader.problems
        // Below the file and VIDEOHOOKD_*: AWS_REGION, AWS_ACCESS_KEY_ID and the like.
        AWSEnvironment.fill(&values, from: environment)

        var builder = SettingsBuilder(values: values, environment: environment)
        let settings = builder.build()
        problems += builder.problems

        guard problems.isEmpty else {
            throw SettingsError(problems: ordered(problems))
        }
        var loaded = settings
        loaded.loadWarnings = ordered(builder.warnings)
        return loaded
    }

    /// File problems in line order first, then the environment's: the order an operator
    /// reads and fixes them in.
    private static func ordered(_ problems: [SettingsProblem]) -> [SettingsProblem] {
        problems.enumerated().sorted { lhs, rhs in
            func rank(_ problem: SettingsProblem) -> (Int, Int) {
                if problem.file != nil { return (0, problem.line ?? 0) }
                if problem.environmentVariable != nil { return (1, 0) }
                return (2, 0)
            }
            let (left, right) = (rank(lhs.element), rank(rhs.element))
            return left != right ? left < right : lhs.offset < rhs.offset
        }.map(\.element)
    }
}
