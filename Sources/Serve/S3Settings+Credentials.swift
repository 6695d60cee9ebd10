import Settings

extension S3Settings {
    /// The Settings module's credentials (secrets that print as `(set)`), named apart
    /// from `ObjectStore.S3Credentials` for the files that import both modules, where
    /// the bare name is ambiguous and `Settings.S3Credentials` names a member of the
    /// `Settings` struct. This file imports `Settings` alone, so the name is plain here.
    typealias Credentials = S3Credentials
}
