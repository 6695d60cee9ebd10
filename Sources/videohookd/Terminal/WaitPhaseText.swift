import Foundation
import Ledger

/// The words `submit --wait` uses for each ``WaitPhase``, the same on a terminal's line
/// and in plain lines. Every value from outside (the API's error, the last download
/// error) goes through ``TerminalText``.
enum WaitPhaseText {
    static func label(_ phase: WaitPhase, bytesPerSecond: Int64? = nil) -> String {
        switch phase {
        case .queued:
            return "queued at the video API"
        case .running(let progress):
            return progress.map { "running \($0)%" } ?? "running"
        case .confirming:
            return "video ready, confirming the callback with the API"
        case .videoReady:
            return "video ready, download queued"
        case .retrying(let failedAttempts, let lastError, let nextAttempt):
            let reason = lastError.map { ": " + TerminalText.escape($0) } ?? ""
            return "download attempt \(failedAttempts) failed\(reason); next at \(UTCTime.format(nextAttempt)) UTC"
        case .downloading(let bytes, let total, let uploaded):
            var text = "downloading"
            if let fraction = phase.fraction { text += " \(Int(fraction * 100))%" }
            text += " " + ByteCountText.format(bytes) + " of " + (total.map(ByteCountText.format) ?? "unknown")
            if let bytesPerSecond, bytesPerSecond > 0 { text += ", " + ByteCountText.format(bytesPerSecond) + "/s" }
            if let uploaded { text += ", " + ByteCountText.format(uploaded) + " in the bucket" }
            return text
        case .verifying(let bytes):
            return "verifying " + ByteCountText.format(bytes)
        case .archived(let location, _, _):
            return archivedLine(location)
        case .taskFailed(let code, let message):
            return "failed" + reason(code, message)
        case .taskCancelled(let code, let message):
            return "cancelled" + reason(code, message)
        case .nothingToDownload(let why):
            return "not downloaded: " + TerminalText.escape(why)
        case .downloadFailed(let why):
            return "download failed: " + (why.map(TerminalText.escape) ?? "no reason recorded")
        }
    }

    /// The check that comes before ``archivedLine(_:)``: every byte and its SHA-256,
    /// whole in plain lines (a log keeps it), its first 12 digits on a terminal's line.
    static func verified(bytes: Int64, sha256: String?, shortDigest: Bool = false) -> String {
        guard let sha256 else { return "verified \(bytes) bytes" }
        let digest = shortDigest && sha256.count > 12 ? sha256.prefix(12) + "…" : sha256
        return "verified \(bytes) bytes, sha256 " + TerminalText.escape(digest)
    }

    /// The last line of a wait that ended well; what a script reads the path from.
    static func archivedLine(_ location: String) -> String {
        "archived at " + TerminalText.escape(location)
    }

    /// `: content_policy_violation: refused`, from the API's error.
    private static func reason(_ code: String?, _ message: String?) -> String {
        [code, message].compactMap { $0.map(TerminalText.escape) }.map { ": " + $0 }.joined()
    }
}
