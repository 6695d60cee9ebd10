import VideoAPI

/// The site's paths with a task id (or an event id) in them. A segment that is not a
/// safe task id matches nothing, so it answers 404 like any unknown path.
enum SitePath {
    /// `/api/v1/tasks/{id}`
    static func task(_ path: String) -> TaskID? {
        match(path, ["api", "v1", "tasks", nil]).flatMap { TaskID($0[0]) }
    }

    /// `/api/v1/tasks/{id}/video`
    static func taskVideo(_ path: String) -> TaskID? {
        match(path, ["api", "v1", "tasks", nil, "video"]).flatMap { TaskID($0[0]) }
    }

    /// `/api/v1/tasks/{id}/retry`
    static func taskRetry(_ path: String) -> TaskID? {
        match(path, ["api", "v1", "tasks", nil, "retry"]).flatMap { TaskID($0[0]) }
    }

    /// `/api/v1/tasks/{id}/notifications/{event}/replay`
    static func notificationReplay(_ path: String) -> (task: TaskID, event: String)? {
        guard let found = match(path, ["api", "v1", "tasks", nil, "notifications", nil, "replay"]),
              let task = TaskID(found[0]), TaskID(found[1]) != nil else { return nil }
        // Event ids (evt_…) keep to the same safe characters as task ids.
        return (task, found[1])
    }

    /// The segments where `pattern` has nil, when every other segment is equal.
    static func match(_ path: String, _ pattern: [String?]) -> [String]? {
        guard path.hasPrefix("/") else { return nil }
        let segments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count == pattern.count else { return nil }
        var captured: [String] = []
        for (segment, expected) in zip(segments, pattern) {
            if let expected {
                guard segment == expected else { return nil }
            } else {
                guard !segment.isEmpty else { return nil }
                captured.append(String(segment))
            }
        }
        return captured
    }
}
