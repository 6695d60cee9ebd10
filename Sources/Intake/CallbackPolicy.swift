/// How far the intake trusts a callback, from the settings: whether a `completed` one
/// waits for the video API to confirm it, and whether a task this daemon did not submit
/// is taken at all.
public struct CallbackPolicy: Sendable, Equatable {
    /// An API key is set: a `completed` callback's download waits until the API confirms
    /// the task (``Ledger/EventTrust/needsVerification``). Without one, downloads go
    /// ahead and are logged as unverified.
    public var verifiesWithAPI: Bool
    /// `api.accept_unknown_tasks`: record callbacks for tasks this daemon did not submit
    /// (another tool may have); false answers them 403 and keeps only the body.
    public var acceptsUnknownTasks: Bool

    public init(verifiesWithAPI: Bool = false, acceptsUnknownTasks: Bool = true) {
        self.verifiesWithAPI = verifiesWithAPI
        self.acceptsUnknownTasks = acceptsUnknownTasks
    }
}
