import Foundation

/// A task body that passed the checks the daemon needs before acting on it: a safe id,
/// a known status, result URLs that are http(s) URLs, and a video URL when completed.
/// It keeps the raw body, which the ledger stores as it came.
public struct ValidatedTask: Sendable, Hashable {
    public let id: TaskID
    public let status: TaskStatus
    /// The result URLs in the order sent, the video first; empty when none were sent.
    public let results: [String]
    /// Everything else the body said, read leniently.
    public let object: TaskObject
    /// The body exactly as received.
    public let rawBody: Data

    init(id: TaskID, status: TaskStatus, results: [String], object: TaskObject, rawBody: Data) {
        self.id = id
        self.status = status
        self.results = results
        self.object = object
        self.rawBody = rawBody
    }

    /// The video's URL: the first result. Always present for a completed task.
    public var videoURL: String? { results.first }
}
