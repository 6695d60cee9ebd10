/// Sizes as written in settings: a number of bytes (`1048576`) or a number and a unit
/// (`1MiB`, `4 GiB`, `1.5GB`). KiB, MiB, GiB, TiB are powers of 1024; KB, MB, GB, TB
/// powers of 1000; letter case does not matter.
enum ByteCountParser {
    static let units: [(suffix: String, factor: Int)] = [
        ("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30), ("tib", 1 << 40),
        ("kb", 1_000), ("mb", 1_000_000), ("gb", 1_000_000_000), ("tb", 1_000_000_000_000),
        ("b", 1),
    ]

    static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingSpaces().lowercased()
        guard let numberEnd = trimmed.firstIndex(where: { !($0.isASCII && ($0.isNumber || $0 == ".")) })
        else {
            return Int(trimmed)
        }
        let number = String(trimmed[..<numberEnd])
        let unit = trimmed[numberEnd...].trimmingSpaces()
        guard !number.isEmpty, let factor = units.first(where: { $0.suffix == unit })?.factor else {
            return nil
        }
        if let whole = Int(number) {
            let (product, overflow) = whole.multipliedReportingOverflow(by: factor)
            return overflow ? nil : product
        }
        guard let fraction = Double(number), fraction.isFinite else { return nil }
        let bytes = (fraction * Double(factor)).rounded(.down)
        return bytes < 0x1p62 ? Int(bytes) : nil
    }

    /// The shortest exact form: `4GiB`, `1MiB`, `1000`.
    static func format(_ bytes: Int) -> String {
        for (suffix, factor) in [("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
            where bytes != 0 && bytes % factor == 0 {
            return "\(bytes / factor)\(suffix)"
        }
        return String(bytes)
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        let scalars = unicodeScalars.drop { $0 == " " || $0 == "\t" }
        var result = String(String.UnicodeScalarView(scalars))
        while result.last == " " || result.last == "\t" { result.removeLast() }
        return result
    }
}
