import Foundation

/// Task objects as the video API writes them.
public enum TaskBodies {
    public static func task(_ id: String, status: String, created: Int64, results: [String] = [], progress: Int? = nil,
                     estimatedTime: Int? = 60, error: (code: String, message: String)? = nil) -> String {
        var object: [String: Any] = [
            "id": id, "object": "video.generation.task", "model": "seedance-1.5-pro", "created": created,
            "status": status, "type": "video",
            "task_info": ["can_cancel": status == "pending", "estimated_time": estimatedTime.map { $0 as Any } ?? NSNull(), "video_duration": 5],
            "usage": ["billing_rule": "per_call", "credits_reserved": 8, "user_group": "default"],
        ]
        if let progress { object["progress"] = progress } else { object["progress"] = status == "completed" ? 100 : 0 }
        if !results.isEmpty { object["results"] = results }
        if let error { object["error"] = ["code": error.code, "message": error.message] }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
