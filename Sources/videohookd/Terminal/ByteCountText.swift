import Foundation

/// Sizes for a person: `812 B`, `1.5 KiB`, `12.3 MiB`, `4.0 GiB`, binary units as the
/// settings write them (`download.max_bytes: 4GiB`).
enum ByteCountText {
    static func format(_ bytes: Int64) -> String {
        guard bytes >= 1024 else { return "\(bytes) B" }
        var value = Double(bytes)
        for unit in ["KiB", "MiB", "GiB", "TiB"] {
            value /= 1024
            if value < 1024 || unit == "TiB" { return String(format: "%.1f %@", value, unit) }
        }
        return "\(bytes) B"
    }
}
