import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Times as the commands print them: `2025-10-24 13:49:04` in UTC, whatever the
/// machine's zone or locale, so two operators compare the same text.
public enum UTCTime {
    public static func format(_ date: Date) -> String {
        format(unixSeconds: Int64(date.timeIntervalSince1970.rounded(.down)))
    }

    public static func format(unixSeconds: Int64) -> String {
        var seconds = time_t(unixSeconds)
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return String(unixSeconds) }
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }
}
