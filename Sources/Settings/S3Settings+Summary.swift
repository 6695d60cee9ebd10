extension S3Settings {
    /// The value of one `s3.*` key as the config file would write it; see
    /// `Settings.renderedValue(of:revealingSecrets:)`. Without `revealingSecrets` the
    /// secret and the token show as `(set)` and the key id by its last characters.
    func renderedValue(of key: SettingsKey, revealingSecrets: Bool) -> String {
        switch key {
        case .s3Bucket: bucket
        case .s3Endpoint: endpoint
        case .s3Region: region
        case .s3Prefix: prefix.isEmpty ? "(none)" : prefix
        case .s3PathStyle: String(pathStyle)
        case .s3AccessKeyID: revealingSecrets ? credentials.accessKeyID : credentials.maskedAccessKeyID
        case .s3SecretAccessKey: revealingSecrets ? credentials.secretAccessKey.value : "(set)"
        case .s3SecretAccessKeyFile: credentials.secretAccessKeyFile ?? "(none)"
        case .s3SessionToken:
            credentials.sessionToken.map { revealingSecrets ? $0.value : "(set)" } ?? "(none)"
        case .s3StorageClass: storageClass ?? "(the bucket's default)"
        case .s3PartSize: ByteCountParser.format(partSize)
        case .s3KeepLocal: String(keepLocal)
        case .s3CAFile: caFile ?? "(none)"
        default: preconditionFailure("\(key.rawValue) is not an s3 key")
        }
    }
}
