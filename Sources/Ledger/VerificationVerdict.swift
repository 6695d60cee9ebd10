import Foundation
import VideoAPI

/// What the video API said about a `completed` callback, to record on its task.
public struct VerificationVerdict: Sendable {
    public var taskID: TaskID
    /// ``TaskVerification/verified`` or ``TaskVerification/contradicted``.
    public var verification: TaskVerification
    /// Why the callback was contradicted, for `show` and the log.
    public var note: String?
    /// The API's answer when it says the task completed: its URLs become the task's and
    /// the download is queued from its video URL. Nil: nothing is downloaded.
    public var apiAnswer: ValidatedTask?

    public init(taskID: TaskID, verification: TaskVerification, note: String? = nil, apiAnswer: ValidatedTask? = nil) {
        self.taskID = taskID
        self.verification = verification
        self.note = note
        self.apiAnswer = apiAnswer
    }
}
