import Ledger

/// One file to fetch into one partial file.
struct FetchPlan {
    var url: String
    var rule: ContentTypeRule
    /// What the partial file holds the beginning of: the length and validators of the
    /// response it came from. Nil, or an empty partial file, fetches from the start.
    var resume: DownloadResponseFacts?
    /// For log lines: `video`, `result 1`.
    var label: String
}
