import Foundation

/// How the page writes numbers and times for people: sizes in binary units, lengths in
/// seconds, times in UTC (the archive's days are UTC days). Text only: escaping is the
/// template's job.
enum DisplayText {
    /// `812 B`, `53.5 KiB`, `1.2 GiB`.
    static func bytes(_ count: Int64) -> String {
        if count < 1024 { return "\(count) B" }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var value = Double(count) / 1024
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[unit])
    }

    /// `5 s`, `2.5 s`, `1 min 30 s`.
    static func seconds(_ value: Double) -> String {
        if value < 60 {
            return value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
        }
        let whole = Int(value.rounded())
        return whole % 60 == 0 ? "\(whole / 60) min" : "\(whole / 60) min \(whole % 60) s"
    }

    /// `2026-12-07 06:11:03 UTC`.
    static func time(_ date: Date) -> String {
        formatter.string(from: date) + " UTC"
    }

    static func time(unixSeconds: Int64) -> String {
        time(Date(timeIntervalSince1970: Double(unixSeconds)))
    }

    /// 0 to 100 once the length is known.
    static func percent(done: Int64, total: Int64?) -> Int? {
        guard let total, total > 0 else { return nil }
        return Int(min(100, max(0, done * 100 / total)))
    }

    private static let formatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter
    }()
}
