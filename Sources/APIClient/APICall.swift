import VideoAPI

/// Which of the two calls failed, for the message and the advice in it.
public enum APICall: Sendable, Equatable, CustomStringConvertible {
    /// `POST /v1/videos/generations`.
    case createTask
    /// `GET /v1/tasks/{id}`.
    case queryTask(TaskID)

    public var description: String {
        switch self {
        case .createTask: "creating a task"
        case .queryTask(let id): "asking about task \(id)"
        }
    }

    /// Whether sending it twice could do something twice: a second create bills a
    /// second video.
    var isIdempotent: Bool {
        if case .queryTask = self { true } else { false }
    }
}
