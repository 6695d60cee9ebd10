import APIClient
import Foundation
import VideoAPI

/// Compares what a `completed` callback claimed with what the video API says.
///
/// The API is the authority: whatever it says is what the daemon acts on, and a
/// callback's own URLs are never downloaded once a key is set. Two URLs name the same
/// video when scheme, host, port and path agree: the query of a signed CDN link changes
/// each time the API signs it again, the file it points at does not.
public enum VerificationJudge {
    public enum Verdict: Sendable, Equatable {
        /// The API says completed, with the same video: download from the API's URLs.
        case confirmed
        /// The API disagrees for good (another video, failed, cancelled). `downloadsAPIVideo`
        /// when the API says completed: its own video is downloaded instead.
        case contradicted(reason: String, downloadsAPIVideo: Bool)
        /// The API says the task is still pending or processing: ask again later.
        case notYet(reason: String)
    }

    public static func judge(claimedResults: [String], answer: ValidatedTask) -> Verdict {
        switch answer.status {
        case .pending, .processing:
            let progress = answer.object.progress.map { " (\($0)%)" } ?? ""
            return .notYet(reason: "the video API says the task is still \(answer.status.rawValue)\(progress)")
        case .failed, .cancelled:
            var reason = "the video API says the task \(answer.status.rawValue)"
            if let code = answer.object.error?.code { reason += " (\(code))" }
            return .contradicted(reason: reason + "; nothing is downloaded", downloadsAPIVideo: false)
        case .completed:
            guard let claimed = claimedResults.first, let video = answer.videoURL else {
                return .contradicted(reason: "the callback named no video; the API's is downloaded",
                                     downloadsAPIVideo: true)
            }
            if sameResource(claimed, video) { return .confirmed }
            return .contradicted(
                reason: "the callback's video \(withoutQuery(claimed)) is not the API's \(withoutQuery(video)); "
                    + "the API's is downloaded, the callback's never",
                downloadsAPIVideo: true)
        }
    }

    /// Same scheme, host, port and path; query and fragment ignored.
    static func sameResource(_ a: String, _ b: String) -> Bool {
        guard let left = URLComponents(string: a), let right = URLComponents(string: b) else { return a == b }
        return left.scheme?.lowercased() == right.scheme?.lowercased()
            && left.host?.lowercased() == right.host?.lowercased()
            && (left.port ?? defaultPort(left.scheme)) == (right.port ?? defaultPort(right.scheme))
            && left.percentEncodedPath == right.percentEncodedPath
    }

    /// A link as it may be logged: a signed query is a credential for the file.
    static func withoutQuery(_ url: String) -> String {
        let end = url.firstIndex(where: { $0 == "?" || $0 == "#" }) ?? url.endIndex
        return OutsideText.clean(String(url[..<end]), limit: 200)
    }

    private static func defaultPort(_ scheme: String?) -> Int? {
        switch scheme?.lowercased() {
        case "https": 443
        case "http": 80
        default: nil
        }
    }
}
