extension TaskObject {
    /// `task_info.estimated_time`: how long the API expects the task to take, in seconds.
    /// Nil when absent, not a whole number, or negative.
    public var estimatedTime: Int64? {
        guard let seconds = taskInfo?.objectValue?["estimated_time"]?.int64Value, seconds >= 0 else { return nil }
        return seconds
    }
}
