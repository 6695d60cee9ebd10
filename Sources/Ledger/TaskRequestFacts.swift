import Foundation
import VideoAPI

/// What the archive shows of a task from the bodies the ledger keeps: the prompt of a
/// task submitted here (from the create request `submit` sent) and the video's length
/// (the API's `task_info.video_duration`, else the `duration` that was asked for).
enum TaskRequestFacts {
    /// The prompt of the create request; nil when the task was not submitted here or the
    /// request holds none.
    static func prompt(requestJSON: String?) -> String? {
        requestFields(requestJSON)?["prompt"]?.stringValue
    }

    /// The video's length in seconds: what the API's last body said, else what was asked.
    static func videoDuration(lastBody: Data?, requestJSON: String?) -> Double? {
        if let body = lastBody, let fields = try? JSONValue(parsing: body).objectValue,
           let seconds = fields["task_info"]?.objectValue?["video_duration"].flatMap(seconds(of:)) {
            return seconds
        }
        return requestFields(requestJSON)?["duration"].flatMap(seconds(of:))
    }

    private static func requestFields(_ json: String?) -> [String: JSONValue]? {
        guard let json else { return nil }
        return try? JSONValue(parsing: Data(json.utf8)).objectValue
    }

    /// A positive number of seconds, sent as a number or as a numeric string.
    private static func seconds(of value: JSONValue) -> Double? {
        let seconds: Double? = switch value {
        case .integer(let whole): Double(whole)
        case .number(let number): number
        case .string(let text): Double(text)
        default: nil
        }
        guard let seconds, seconds.isFinite, seconds > 0 else { return nil }
        return seconds
    }
}
