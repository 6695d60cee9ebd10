import HTTPClient
import Logging
import VideoAPI

/// One attempt's use of the video API after a 403 or 410: asked at most once, whether
/// the video or a further result was refused, and its links then serve the video and
/// every further result. A link that expired has, as a rule, expired together with the
/// others in the same answer, so a last frame fetched after a refreshed video would be
/// refused too if it kept its old link.
final class LinkRefresh {
    private let ask: DownloadService.RefreshLinks?
    private let taskID: TaskID
    /// The API's links, the video first, once asked; empty when asking failed, so that
    /// an attempt asks once whatever the answer.
    private var links: [String]?

    init(ask: DownloadService.RefreshLinks?, taskID: TaskID) {
        self.ask = ask
        self.taskID = taskID
    }

    /// Whether a refused link can be replaced at all: an API key is set.
    var isAvailable: Bool { ask != nil }

    /// The link to fetch result `index` (0: the video) from: the API's fresh one when it
    /// was asked during this attempt, else the one recorded.
    func link(for index: Int, recorded: String) -> String {
        guard let links, index < links.count else { return recorded }
        return links[index]
    }

    /// A new link for result `index` in place of `refused`, asking the API if this
    /// attempt has not yet; nil without an API key, or when the API's answer has no other
    /// link for it. Throws a temporary failure when asking failed.
    func freshLink(for index: Int, replacing refused: String) throws(DownloadFailure) -> String? {
        if links == nil {
            guard let ask else { return nil }
            do {
                links = try ask(taskID)
            } catch {
                links = []
                throw .temporary("asking the video API for a fresh link failed: \(error)")
            }
        }
        guard let links, index < links.count, links[index] != refused else { return nil }
        return links[index]
    }

    /// How ``fetch(result:from:label:logger:fetching:beforeRefetch:)`` ended, when it did
    /// not throw.
    enum Ending {
        case fetched(FetchedFile)
        /// The link was refused (403 or 410) and no other is to be had. `askingFailed`:
        /// asking the video API failed, and `reason` holds both failures; otherwise there is
        /// no API key or its answer has no other link, and `reason` is the refusal's.
        case refused(reason: String, askingFailed: Bool)
    }

    /// Fetches result `index` (0: the video) with `fetching`, from `url` first. When the link
    /// is refused (403 or 410) it takes a fresh one (``freshLink(for:replacing:)``), logs
    /// it, hands it to `beforeRefetch` (which records it and readies the file) and fetches
    /// again from it. Any other failure, of either closure, is thrown.
    func fetch(result index: Int, from url: String, label: String, logger: Logger,
               fetching: (String) throws(DownloadFailure) -> FetchedFile,
               beforeRefetch: (String) throws(DownloadFailure) -> Void) throws(DownloadFailure) -> Ending {
        var url = url
        while true {
            do throws(DownloadFailure) {
                return .fetched(try fetching(url))
            } catch where error.kind == .linkRefused {
                let fresh: String?
                do {
                    fresh = try freshLink(for: index, replacing: url)
                } catch let askFailure {
                    return .refused(reason: "\(error.reason); \(askFailure.reason)", askingFailed: true)
                }
                guard let fresh else { return .refused(reason: error.reason, askingFailed: false) }
                logger.notice("download.link_refreshed", metadata: ["file": "\(label)",
                                                                    "url": "\(LoggableURL.withoutQuery(fresh))"])
                url = fresh
                try beforeRefetch(fresh)
            }
        }
    }
}
