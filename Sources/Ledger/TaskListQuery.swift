import VideoAPI

/// What the archive's task list asks for: filters, a page size and where the page
/// starts. Every filter narrows; none set lists every task, newest first.
public struct TaskListQuery: Sendable, Equatable {
    /// The most tasks one page holds; the API refuses more (400).
    public static let maxLimit = 200
    public static let defaultLimit = 50
    /// The longest search text; the API refuses longer (400).
    public static let maxSearchLength = 200

    public var status: TaskStatus?
    /// Tasks created that day in UTC (the API's `created`, or the first callback's time
    /// when the API never said).
    public var day: UTCDay?
    /// An id prefix, or a piece of the prompt of a task submitted here (letter case
    /// ignored for ASCII).
    public var search: String?
    /// 1 to ``maxLimit``.
    public var limit: Int
    /// The page after this one; nil for the first page.
    public var after: TaskListCursor?

    public init(status: TaskStatus? = nil, day: UTCDay? = nil, search: String? = nil,
                limit: Int = TaskListQuery.defaultLimit, after: TaskListCursor? = nil) {
        self.status = status
        self.day = day
        self.search = search
        self.limit = limit
        self.after = after
    }
}

/// One page of the task list, newest first.
public struct TaskListPage: Sendable, Equatable {
    public var tasks: [TaskListItem]
    /// Where the next page starts; nil on the last page.
    public var next: TaskListCursor?
}
