import Ledger

/// A file fetched whole.
struct FetchedFile {
    var bytes: Int64
    var sha256: String
    var facts: DownloadResponseFacts
}
