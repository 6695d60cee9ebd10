/// The AWS SDKs' environment variables for the `s3.*` keys: the lowest layer above the
/// embedded defaults. The operator's own daemon settings win over ambient AWS ones, so
/// the order, each over the one before, is: defaults, `AWS_*`, the config file,
/// `VIDEOHOOKD_S3_*`.
///
/// A key counts as given when the file or a `VIDEOHOOKD_*` variable mentions it, even
/// empty: an empty value means the embedded default, and it hides the AWS variable too.
/// The credentials come as one set from one place: when any of `s3.access_key_id`,
/// `s3.secret_access_key(_file)` or `s3.session_token` is given, no `AWS_*` credential
/// is read, so a key id is never paired with another source's secret or token.
enum AWSEnvironment {
    /// Each key's variables, first found wins (`AWS_DEFAULT_REGION` is the CLI's older name;
    /// `AWS_ENDPOINT_URL` applies to every service, `AWS_ENDPOINT_URL_S3` to S3 only).
    static let endpoint = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]
    static let region = ["AWS_REGION", "AWS_DEFAULT_REGION"]
    static let credentials: [(key: SettingsKey, variable: String)] = [
        (.s3AccessKeyID, "AWS_ACCESS_KEY_ID"),
        (.s3SecretAccessKey, "AWS_SECRET_ACCESS_KEY"),
        (.s3SessionToken, "AWS_SESSION_TOKEN"),
    ]
    static let credentialKeys: [SettingsKey] = [.s3AccessKeyID, .s3SecretAccessKey, .s3SecretAccessKeyFile, .s3SessionToken]

    /// Adds the AWS variables' values under the keys nothing above them gave. An empty
    /// AWS variable is as if unset.
    static func fill(_ values: inout [SettingsKey: RawSetting], from environment: [String: String]) {
        func take(_ key: SettingsKey, from variables: [String]) {
            guard values[key] == nil else { return }
            for variable in variables {
                if let value = environment[variable], !value.isEmpty {
                    values[key] = RawSetting(shape: .text(value), origin: .environment(variable: variable))
                    return
                }
            }
        }
        take(.s3Endpoint, from: endpoint)
        take(.s3Region, from: region)
        guard !credentialKeys.contains(where: { values[$0] != nil }) else { return }
        for (key, variable) in credentials {
            take(key, from: [variable])
        }
    }

    /// Whether a value came from an AWS variable rather than the operator's daemon settings.
    static func isAWS(_ origin: SettingsOrigin?) -> Bool {
        guard case .environment(let variable) = origin else { return false }
        return !variable.hasPrefix(SettingsKey.environmentPrefix)
    }
}
