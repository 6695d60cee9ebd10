/// Where a video task stands. The API documents `pending`, `processing`, `completed`
/// and `failed`; `cancelled` is seen in practice and handled the same way as the others.
public enum TaskStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case pending
    case processing
    case completed
    case failed
    case cancelled

    /// How far along a task is: pending, then processing, then one of the three ends.
    /// The ends share a stage: none of them follows another.
    public var stage: Int {
        switch self {
        case .pending: 0
        case .processing: 1
        case .completed, .failed, .cancelled: 2
        }
    }

    /// A terminal status is the task's last: the API sends callbacks only for these.
    public var isTerminal: Bool { stage == 2 }

    /// Whether a task in `earlier` moves to `self`. A task never goes backwards and the
    /// first end wins: an older, repeated or second terminal status does not advance it.
    /// A task not seen before (`earlier == nil`) takes any status.
    public func advances(from earlier: TaskStatus?) -> Bool {
        guard let earlier else { return true }
        return stage > earlier.stage
    }
}
