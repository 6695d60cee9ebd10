/// `submit --wait` on a terminal: one line redrawn with `\r` (``ProgressLine``), and
/// when the wait ends that line left as it is, then `archived at PATH` below it.
struct TerminalWaitDisplay: WaitDisplay {
    /// The columns now (``TerminalWidth``), asked at each redraw.
    let width: () -> Int
    let write: (String) -> Void
    private var line = RedrawnLine()
    private var drawn: String?

    init(width: @escaping () -> Int, write: @escaping (String) -> Void) {
        self.width = width
        self.write = write
    }

    mutating func show(_ progress: WaitProgress) {
        draw(ProgressLine(progress))
    }

    mutating func finish(_ progress: WaitProgress) {
        guard case .archived(let location, let bytes, let sha256) = progress.phase else {
            draw(ProgressLine(progress))
            write(line.end())
            return
        }
        draw(ProgressLine(fraction: 1, label: WaitPhaseText.verified(bytes: bytes, sha256: sha256, shortDigest: true),
                          clock: ElapsedText.format(progress.elapsed)))
        write(line.end())
        // On a line of its own and never cut to the width: the path is the answer.
        write(WaitPhaseText.archivedLine(location) + "\n")
    }

    /// Writes only when the text changed (the clock changes it every second).
    private mutating func draw(_ progressLine: ProgressLine) {
        let columns = width()
        let text = progressLine.render(width: columns)
        guard text != drawn else { return }
        drawn = text
        write(line.redraw(text, width: columns))
    }
}
