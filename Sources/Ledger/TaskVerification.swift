/// Whether the video API confirmed what a `completed` callback said, stored on the task.
public enum TaskVerification: String, Sendable, Hashable, CaseIterable, Codable {
    /// The callback's download waits for the API's answer.
    case pending
    /// The API says the task completed with the same video; it is downloaded from the
    /// URLs the API gave.
    case verified
    /// No API key was set: the callback's URLs were downloaded as they came.
    case unverified
    /// The API's answer disagrees with the callback (another status, another video, no
    /// such task). The callback's URLs are never downloaded.
    case contradicted
}
