import Foundation

/// The file extension of a further result (a last frame, a thumbnail): from its
/// `Content-Type` when that names a known type, else from its URL's path, else `bin`.
/// Only short lower-case letters and digits come out, whatever the server sent.
public enum MediaExtension {
    private static let byType: [String: String] = [
        "image/png": "png", "image/jpeg": "jpg", "image/jpg": "jpg", "image/webp": "webp",
        "image/gif": "gif", "image/avif": "avif", "image/heic": "heic",
        "video/mp4": "mp4", "video/webm": "webm", "video/quicktime": "mov",
        "audio/mpeg": "mp3", "audio/mp4": "m4a", "audio/wav": "wav", "audio/x-wav": "wav",
        "application/json": "json", "text/plain": "txt",
    ]

    public static func forResult(contentType: String?, url: String) -> String {
        if let contentType {
            let essence = contentType.split(separator: ";").first.map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            } ?? ""
            if let known = byType[essence] { return known }
        }
        if let fromPath = pathExtension(of: url) { return fromPath }
        return "bin"
    }

    /// 1 to 8 lower-case ASCII letters or digits.
    public static func isSafe(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 8
            && text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    private static func pathExtension(of url: String) -> String? {
        var path = Substring(url)
        if let end = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<end] }
        guard let slash = path.lastIndex(of: "/") else { return nil }
        let last = path[path.index(after: slash)...]
        guard let dot = last.lastIndex(of: "."), dot != last.startIndex else { return nil }
        let candidate = last[last.index(after: dot)...].lowercased()
        let normalized = candidate == "jpeg" ? "jpg" : candidate
        return isSafe(normalized) ? normalized : nil
    }
}
