import Foundation
import HTTP

/// How long the video API asked to wait: the `Retry-After` header (seconds or an HTTP
/// date), else the words of its `fallback_suggestion` ("retry after 60 seconds"), which
/// the API's documented 429 and 503 answers carry instead of the header.
enum RetryAfter {
    static func seconds(header: String?, fallbackSuggestion: String?, now: Date = Date()) -> Double? {
        if let seconds = RetryAfterHeader.seconds(header, now: now) { return seconds }
        if let suggestion = fallbackSuggestion { return fromSuggestion(suggestion) }
        return nil
    }

    /// "retry after 60 seconds", "Retry after 2 minutes", "retry after 30s".
    static func fromSuggestion(_ text: String) -> Double? {
        let pattern = #/(?i)retry\s+after\s+(\d{1,6})\s*(seconds?|secs?|s|minutes?|mins?|m)?\b/#
        guard let match = text.firstMatch(of: pattern), let amount = Double(match.1) else { return nil }
        let unit = match.2.map { $0.lowercased() } ?? "s"
        return unit.hasPrefix("m") ? amount * 60 : amount
    }
}
