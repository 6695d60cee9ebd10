import Foundation
import Ledger
import Testing
import VideoAPI

/// Task bodies built for a test, shaped like the API's.
enum TaskBody {
    static func json(id: String, status: String, results: [String]? = nil, progress: Int? = nil,
                     created: Int = 1_761_313_744, extra: [String: Any] = [:]) -> Data {
        var object: [String: Any] = [
            "id": id, "object": "video.generation.task", "model": "seedance-1.5-pro",
            "created": created, "status": status, "type": "video",
        ]
        if let results { object["results"] = results }
        if let progress { object["progress"] = progress }
        for (key, value) in extra { object[key] = value }
        return try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// A validated task; completed ones get a video URL unless `results` says otherwise.
    static func task(id: String, status: TaskStatus, results: [String]? = nil,
                     progress: Int? = nil, created: Int = 1_761_313_744) throws -> ValidatedTask {
        let urls = results ?? (status == .completed ? ["https://media.example.com/videos/\(id).mp4"] : nil)
        let body = json(id: id, status: status.rawValue, results: urls, progress: progress, created: created)
        guard case .task(let task) = CallbackBody.classify(body) else {
            Issue.record("test body for \(id) did not decode as a task")
            throw BodyError.notATask
        }
        return task
    }

    static func event(id: String, status: TaskStatus, results: [String]? = nil, progress: Int? = nil,
                      peer: String = "203.0.113.7:40000", at time: Date = Date()) throws -> LedgerWrite {
        .event(TaskEvent(task: try task(id: id, status: status, results: results, progress: progress),
                         peer: peer, receivedAt: time))
    }

    enum BodyError: Error { case notATask }
}
