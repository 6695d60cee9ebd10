/// `submit --wait` when stdout is a pipe or a file: ``PhaseLines``, each written as
/// it comes, the last one `archived at PATH` when the video is in the archive.
struct PlainWaitDisplay: WaitDisplay {
    let write: (String) -> Void
    private var lines = PhaseLines()

    init(write: @escaping (String) -> Void) {
        self.write = write
    }

    mutating func show(_ progress: WaitProgress) {
        for line in lines.lines(for: progress) { write(line + "\n") }
    }

    mutating func finish(_ progress: WaitProgress) {
        show(progress)
    }
}
