import VideoAPI

/// What one task event did to the ledger.
public struct EventOutcome: Sendable, Equatable {
    public var taskID: TaskID
    /// The event's own status.
    public var eventStatus: TaskStatus
    /// True when this exact event (task, status, result URLs) was seen before.
    public var isDuplicate: Bool
    /// How many times this event had been seen again, this time included.
    public var duplicateCount: Int
    /// The task's status before this event; nil for a task not seen before.
    public var statusBefore: TaskStatus?
    public var statusAfter: TaskStatus
    /// Whether the task moved to the event's status. False for a duplicate, an older
    /// status, or a second end after the first.
    public var advanced: Bool
    /// Whether this event queued the task's download: true once per task, ever.
    public var downloadJobCreated: Bool
    /// Whether this event completed the task but its download waits for the video API
    /// to confirm it (``EventTrust/needsVerification``).
    public var downloadHeld: Bool
    /// Whether the task was submitted by this daemon (`videohookd submit`).
    public var submittedByUs: Bool
    /// The task's verification after this event; nil until it completes.
    public var verification: TaskVerification?

    public init(taskID: TaskID, eventStatus: TaskStatus, isDuplicate: Bool, duplicateCount: Int,
                statusBefore: TaskStatus?, statusAfter: TaskStatus, advanced: Bool,
                downloadJobCreated: Bool, downloadHeld: Bool = false, submittedByUs: Bool = false,
                verification: TaskVerification? = nil) {
        self.taskID = taskID
        self.eventStatus = eventStatus
        self.isDuplicate = isDuplicate
        self.duplicateCount = duplicateCount
        self.statusBefore = statusBefore
        self.statusAfter = statusAfter
        self.advanced = advanced
        self.downloadJobCreated = downloadJobCreated
        self.downloadHeld = downloadHeld
        self.submittedByUs = submittedByUs
        self.verification = verification
    }
}
