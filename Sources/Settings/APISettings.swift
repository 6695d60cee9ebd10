/// The `api.*` settings: where the video API is and how to authenticate to it.
public struct APISettings: Sendable, Equatable {
    public static let defaultBaseURL = "https://ai.odkkk.com/apiv1"

    /// Without a trailing slash: `{baseURL}/v1/tasks/{id}`.
    public var baseURL: String
    /// The bearer key, from `api.key` or read from `api.key_file`.
    public var key: Secret?
    /// Where the key was read from, when it came from a file (systemd credentials).
    public var keyFile: String?

    public init(baseURL: String = APISettings.defaultBaseURL, key: Secret? = nil, keyFile: String? = nil) {
        self.baseURL = baseURL
        self.key = key
        self.keyFile = keyFile
    }
}
