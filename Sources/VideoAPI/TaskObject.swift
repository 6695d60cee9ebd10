/// The video API's task object: the answer to create and query, and the body of a
/// callback.
///
/// Decoding is lenient on purpose, because the API adds keys without notice and a
/// callback refused over a detail would lose a video: unknown keys are ignored, every
/// field may be missing or null, and a field of an unexpected type reads as nil instead
/// of failing the whole object. What must hold before the daemon acts on a task (a
/// safe id, a known status, result URLs) is checked apart, by ``CallbackBody``.
public struct TaskObject: Sendable, Hashable {
    public var id: String?
    /// `video.generation.task`.
    public var object: String?
    public var model: String?
    /// Creation time, unix seconds.
    public var created: Int64?
    /// The status as sent; ``taskStatus`` is the same when it is one the daemon knows.
    public var status: String?
    /// 0 to 100 as sent; not clamped, so a stored state shows what the API said.
    public var progress: Int?
    /// `video`.
    public var type: String?
    /// Result URLs, the video first. Nil unless the key holds an array of strings.
    public var results: [String]?
    public var error: TaskError?
    /// `{can_cancel, estimated_time, video_duration}`, kept loose.
    public var taskInfo: JSONValue?
    /// `{billing_rule, credits_reserved, user_group, ...}`, kept loose.
    public var usage: JSONValue?

    public init(id: String? = nil, object: String? = nil, model: String? = nil,
                created: Int64? = nil, status: String? = nil, progress: Int? = nil,
                type: String? = nil, results: [String]? = nil, error: TaskError? = nil,
                taskInfo: JSONValue? = nil, usage: JSONValue? = nil) {
        self.id = id
        self.object = object
        self.model = model
        self.created = created
        self.status = status
        self.progress = progress
        self.type = type
        self.results = results
        self.error = error
        self.taskInfo = taskInfo
        self.usage = usage
    }

    /// Reads the fields it knows from a parsed JSON object.
    public init(json fields: [String: JSONValue]) {
        id = fields["id"]?.stringValue
        object = fields["object"]?.stringValue
        model = fields["model"]?.stringValue
        created = fields["created"]?.int64Value
        status = fields["status"]?.stringValue
        progress = fields["progress"]?.int64Value.flatMap { Int(exactly: $0) }
        type = fields["type"]?.stringValue
        results = fields["results"]?.arrayValue.flatMap { items in
            let strings = items.compactMap(\.stringValue)
            return strings.count == items.count ? strings : nil
        }
        error = fields["error"]?.objectValue.map(TaskError.init(json:))
        taskInfo = Self.present(fields["task_info"])
        usage = Self.present(fields["usage"])
    }

    /// The status, when it is one the daemon knows.
    public var taskStatus: TaskStatus? { status.flatMap(TaskStatus.init(rawValue:)) }

    private static func present(_ value: JSONValue?) -> JSONValue? {
        if case .null? = value { return nil }
        return value
    }
}

extension TaskObject: Decodable {
    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        guard let fields = value.objectValue else {
            throw DecodingError.typeMismatch(
                TaskObject.self,
                .init(codingPath: decoder.codingPath,
                      debugDescription: "a task object is a JSON object; found \(value.typeName)"))
        }
        self.init(json: fields)
    }
}
