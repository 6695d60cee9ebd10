/// The `api.*` settings: where the video API is, how to authenticate to it, and how far
/// callbacks are trusted.
public struct APISettings: Sendable, Equatable {
    public static let defaultBaseURL = "https://ai.odkkk.com/apiv1"
    public static let defaultReconcileGrace: Duration = .seconds(120)

    /// Without a trailing slash: `{baseURL}/v1/tasks/{id}`.
    public var baseURL: String
    /// The bearer key, from `api.key` or read from `api.key_file`.
    public var key: Secret?
    /// Where the key was read from, when it came from a file (systemd credentials).
    public var keyFile: String?
    /// Extra trusted CA certificates (PEM) for the API's certificate, beside the
    /// system's trust store (a private gateway, tests).
    public var caFile: String?
    /// Record callbacks for tasks this daemon did not submit (another tool may have).
    /// False answers them 403 and keeps only their body.
    public var acceptUnknownTasks: Bool
    /// Added to a task's `created` + estimated time before the reconciler asks the API
    /// about a task whose callback has not come.
    public var reconcileGrace: Duration

    public init(baseURL: String = APISettings.defaultBaseURL, key: Secret? = nil, keyFile: String? = nil,
                caFile: String? = nil, acceptUnknownTasks: Bool = true,
                reconcileGrace: Duration = APISettings.defaultReconcileGrace) {
        self.baseURL = baseURL
        self.key = key
        self.keyFile = keyFile
        self.caFile = caFile
        self.acceptUnknownTasks = acceptUnknownTasks
        self.reconcileGrace = reconcileGrace
    }
}
