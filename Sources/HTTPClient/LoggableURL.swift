/// A URL fit for a log line: without its query and fragment. Video links carry their
/// signature in the query (`?sig=…`), which must not end up in a log file.
public enum LoggableURL {
    public static func withoutQuery(_ url: String) -> String {
        guard let cut = url.firstIndex(where: { $0 == "?" || $0 == "#" }) else { return url }
        return String(url[..<cut]) + (url[cut] == "?" ? "?…" : "")
    }
}
