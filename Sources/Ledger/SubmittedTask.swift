import Foundation
import VideoAPI

/// A task this daemon created with `POST /v1/videos/generations`: the API's answer and
/// what was asked, recorded before `submit` prints the task id, so the reconciler knows
/// the task is awaited even if its callback never comes.
public struct SubmittedTask: Sendable {
    /// The API's answer to create, usually `pending`.
    public var answer: ValidatedTask
    /// The request body as sent, with the callback token replaced by `<token>`.
    public var requestJSON: String
    public var submittedAt: Date

    public init(answer: ValidatedTask, requestJSON: String, submittedAt: Date = Date()) {
        self.answer = answer
        self.requestJSON = requestJSON
        self.submittedAt = submittedAt
    }
}
