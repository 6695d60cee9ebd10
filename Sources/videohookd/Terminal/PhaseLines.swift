/// `submit --wait`'s output when stdout is not a terminal: one line when the phase
/// changes, and while a phase measures something (the API's progress, the bytes), at
/// most one more per 10 % step, so a log or a script gets the story without the spam of
/// every poll. A warning is written once when it appears and once when it clears.
struct PhaseLines {
    private var lastName: String?
    private var lastTenth = -1
    private var lastWarning: String?

    mutating func lines(for progress: WaitProgress) -> [String] {
        var lines: [String] = []
        if progress.warning != lastWarning {
            if let warning = progress.warning {
                lines.append("warning: " + warning)
            } else {
                lines.append("serve is running again")
            }
            lastWarning = progress.warning
        }
        let tenth = progress.phase.fraction.map { Int(($0 * 10).rounded(.down)) } ?? -1
        if progress.phase.name != lastName || tenth > lastTenth {
            lastName = progress.phase.name
            lastTenth = tenth
            lines += Self.text(progress)
        }
        return lines
    }

    private static func text(_ progress: WaitProgress) -> [String] {
        if case .archived(let location, let bytes, let sha256) = progress.phase {
            return [WaitPhaseText.verified(bytes: bytes, sha256: sha256), WaitPhaseText.archivedLine(location)]
        }
        var line = WaitPhaseText.label(progress.phase, bytesPerSecond: progress.bytesPerSecond)
        if progress.apiChecks > 0, progress.phase.exitStatus == nil {
            line += " (API asked \(progress.apiChecks)×)"
        }
        return [line]
    }
}
