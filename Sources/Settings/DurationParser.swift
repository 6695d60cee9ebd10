/// Durations as written in settings: seconds as a number (`10`, `0.5`) or a number and a
/// unit (`500ms`, `10s`, `2m`, `1h`). Public for the command line's own durations
/// (`submit --timeout`), written the same way.
public enum DurationParser {
    static let units: [(suffix: String, milliseconds: Double)] = [
        ("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000),
    ]

    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingSpaces().lowercased()
        let numberEnd = trimmed.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) } ?? trimmed.endIndex
        let number = trimmed[..<numberEnd]
        let unit = trimmed[numberEnd...].trimmingSpaces()
        guard !number.isEmpty, let value = Double(number), value.isFinite else { return nil }
        let milliseconds: Double
        if unit.isEmpty {
            milliseconds = value * 1_000
        } else if let factor = units.first(where: { $0.suffix == unit })?.milliseconds {
            milliseconds = value * factor
        } else {
            return nil
        }
        // Past a year is a typo, and keeps the conversion to Int in range.
        guard milliseconds < 366 * 86_400_000 else { return nil }
        return .milliseconds(Int64(milliseconds.rounded()))
    }

    /// `10s`, `500ms`, `2m`, `1h`: the largest unit that is exact.
    public static func format(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1_000
            + duration.components.attoseconds / 1_000_000_000_000_000
        for (suffix, factor) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1_000)]
            where milliseconds != 0 && milliseconds % factor == 0 {
            return "\(milliseconds / factor)\(suffix)"
        }
        return "\(milliseconds)ms"
    }
}
