/// Where a task's download stands. The downloader moves a job along; the ledger only
/// creates it `queued`.
public enum DownloadJobState: String, Sendable, Hashable, CaseIterable, Codable {
    case queued
    case running
    case done
    case failed
}
