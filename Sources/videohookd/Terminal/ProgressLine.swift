/// The one line `submit --wait` redraws on a terminal: a bar, what is happening, a note
/// (a warning, the reconciler's questions) and the elapsed time, fitted to the width.
///
/// It never fills the last column: a line that does wraps on many terminals, and the
/// next `\r` would then return to the start of the wrapped row, not of the line. When
/// the width is short, parts go in this order: the bar, the clock, the note; what is
/// left is cut with `…`. A warning outlives the label, since it is what to act on.
struct ProgressLine: Equatable {
    var fraction: Double?
    var label: String
    var note: String?
    /// A warning is kept over the label when only one of them fits.
    var noteIsWarning = false
    var clock: String?

    static let maximumBarWidth = 24
    static let minimumBarWidth = 8

    init(fraction: Double?, label: String, note: String? = nil, noteIsWarning: Bool = false, clock: String? = nil) {
        self.fraction = fraction
        self.label = label
        self.note = note
        self.noteIsWarning = noteIsWarning
        self.clock = clock
    }

    init(_ progress: WaitProgress) {
        let checks = progress.apiChecks > 0 ? "API asked \(progress.apiChecks)×" : nil
        self.init(fraction: progress.phase.fraction,
                  label: WaitPhaseText.label(progress.phase, bytesPerSecond: progress.bytesPerSecond),
                  note: progress.warning ?? checks, noteIsWarning: progress.warning != nil,
                  clock: ElapsedText.format(progress.elapsed))
    }

    func render(width: Int) -> String {
        let room = max(width - 1, 1)
        let withNote = [label, note].compactMap { $0 }.joined(separator: "  ")
        let full = [withNote, clock].compactMap { $0 }.joined(separator: "  ")
        let barWidth = min(Self.maximumBarWidth, room - full.count - 3)
        if barWidth >= Self.minimumBarWidth {
            return "[" + Self.bar(fraction, width: barWidth) + "] " + full
        }
        for candidate in [full, withNote] where candidate.count <= room {
            return candidate
        }
        let kept = noteIsWarning ? (note ?? label) : label
        return kept.count <= room ? kept : String(kept.prefix(room - 1)) + "…"
    }

    /// `#` for what is done, `-` for the rest; all `-` when there is nothing to measure.
    static func bar(_ fraction: Double?, width: Int) -> String {
        let done = fraction.map { Int((min(max($0, 0), 1) * Double(width)).rounded(.down)) } ?? 0
        return String(repeating: "#", count: done) + String(repeating: "-", count: width - done)
    }
}
