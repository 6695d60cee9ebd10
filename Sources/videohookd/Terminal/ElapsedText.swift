/// A wait's elapsed time as a clock: `0:07`, `12:30`, `1:02:03`.
enum ElapsedText {
    static func format(_ seconds: Double) -> String {
        let total = max(Int(seconds), 0)
        let (hours, minutes, rest) = (total / 3600, total / 60 % 60, total % 60)
        let twoDigits = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        return hours > 0 ? "\(hours):\(twoDigits(minutes)):\(twoDigits(rest))" : "\(minutes):\(twoDigits(rest))"
    }
}
