import Foundation
import Testing
@testable import videohookd

/// `submit --wait`'s output: the terminal's redrawn line at every width, and the plain
/// lines with their limits (one per phase, at most one more per 10 %).
@Suite("submit --wait: rendering")
struct WaitRenderingTests {
    static let downloading = WaitProgress(phase: .downloading(bytes: 3 << 20, total: 10 << 20, uploaded: nil),
                                          bytesPerSecond: 1 << 20, elapsed: 75, apiChecks: 0)

    @Test("A wide terminal: the bar with its fraction, the label with bytes and rate, the clock")
    func wideLine() {
        let line = ProgressLine(Self.downloading).render(width: 100)
        #expect(line == "[#######-----------------] downloading 30% 3.0 MiB of 10.0 MiB, 1.0 MiB/s  1:15")
        #expect(line.count <= 99)
    }

    @Test("Every width from 1 to 120: never the last column; parts drop as it narrows, the label is cut last",
          arguments: Array(1...120))
    func everyWidth(width: Int) {
        let line = ProgressLine(Self.downloading).render(width: width)
        #expect(line.count <= max(width - 1, 1), "\(width): \(line)")
        #expect(!line.isEmpty)
        #expect(!line.contains("\r") && !line.contains("\n"))
    }

    @Test("Narrowing drops the bar first, then the clock, then cuts the label with an ellipsis")
    func narrowOrder() {
        let progress = Self.downloading
        let full = "downloading 30% 3.0 MiB of 10.0 MiB, 1.0 MiB/s  1:15"
        #expect(ProgressLine(progress).render(width: full.count + 12) == "[##------] " + full)
        #expect(ProgressLine(progress).render(width: full.count + 11) == full)
        #expect(ProgressLine(progress).render(width: full.count) == "downloading 30% 3.0 MiB of 10.0 MiB, 1.0 MiB/s")
        #expect(ProgressLine(progress).render(width: 20) == "downloading 30% 3.…")
    }

    @Test("A warning is the note, kept over the label when only one fits")
    func warningKept() {
        let progress = WaitProgress(phase: .queued, elapsed: 3, warning: "no serve is running")
        #expect(ProgressLine(progress).render(width: 80).contains("queued at the video API  no serve is running  0:03"))
        #expect(ProgressLine(progress).render(width: 21) == "no serve is running")
        #expect(ProgressLine(progress).render(width: 12) == "no serve i…")
    }

    @Test("No fraction: an empty bar; the API's answers counted in the note")
    func unmeasured() {
        let progress = WaitProgress(phase: .confirming, elapsed: 3725, apiChecks: 2)
        #expect(ProgressLine(progress).render(width: 120)
            == "[------------------------] video ready, confirming the callback with the API  API asked 2×  1:02:05")
    }

    @Test("Redrawing: a carriage return, the text, spaces over a longer previous text within the width")
    func redrawn() {
        var line = RedrawnLine()
        #expect(line.redraw("downloading 10%", width: 80) == "\rdownloading 10%")
        #expect(line.redraw("verifying", width: 80) == "\rverifying      ")
        #expect(line.redraw("a", width: 4) == "\ra  ")
        #expect(line.end() == "\n")
        #expect(line.redraw("b", width: 80) == "\rb")
    }

    @Test("The terminal display writes only changes and ends with the verified line, then archived at PATH")
    func terminalDisplay() {
        var written: [String] = []
        var display = TerminalWaitDisplay(width: { 80 }, write: { written.append($0) })
        display.show(WaitProgress(phase: .queued, elapsed: 0))
        display.show(WaitProgress(phase: .queued, elapsed: 0.5))
        #expect(written.count == 1, "the same text twice is drawn once")
        display.show(WaitProgress(phase: .running(progress: 50), elapsed: 1))
        display.finish(WaitProgress(phase: .archived(location: "/a/b.mp4", bytes: 12, sha256: "ff"), elapsed: 2))
        #expect(WaitPhaseText.verified(bytes: 1, sha256: String(repeating: "a", count: 64), shortDigest: true)
            == "verified 1 bytes, sha256 aaaaaaaaaaaa…")
        #expect(written.count == 5)
        #expect(written[1].hasPrefix("\r[##########"))
        #expect(written[2] == "\r[########################] verified 12 bytes, sha256 ff  0:02")
        #expect(written[3] == "\n")
        #expect(written[4] == "archived at /a/b.mp4\n")
    }

    @Test("Plain lines: one per phase, one more per 10 % step, never one per poll")
    func plainLines() {
        var lines = PhaseLines()
        var all: [String] = []
        all += lines.lines(for: WaitProgress(phase: .queued, elapsed: 0))
        all += lines.lines(for: WaitProgress(phase: .queued, elapsed: 1))
        for progress in [0, 3, 9, 10, 11, 19, 20, 55, 99, 100] {
            all += lines.lines(for: WaitProgress(phase: .running(progress: progress), elapsed: 2))
        }
        for bytes in stride(from: Int64(0), through: 1000, by: 50) {
            all += lines.lines(for: WaitProgress(phase: .downloading(bytes: bytes, total: 1000, uploaded: nil), elapsed: 3))
        }
        all += lines.lines(for: WaitProgress(phase: .archived(location: "/x/t.mp4", bytes: 1000, sha256: "aa"), elapsed: 4))
        #expect(all.first == "queued at the video API")
        #expect(all.filter { $0.hasPrefix("running") } == ["running 0%", "running 10%", "running 20%", "running 55%", "running 99%", "running 100%"])
        #expect(all.filter { $0.hasPrefix("downloading") }.count == 11, "0 %, then each tenth: \(all)")
        #expect(all.suffix(2) == ["verified 1000 bytes, sha256 aa", "archived at /x/t.mp4"])
    }

    @Test("Plain lines: a warning once when it appears and once when it clears; a retry per attempt")
    func plainWarningsAndRetries() {
        var lines = PhaseLines()
        let next = Date(timeIntervalSince1970: 1_761_313_744)
        #expect(lines.lines(for: WaitProgress(phase: .queued, elapsed: 0, warning: "no serve")) == ["warning: no serve", "queued at the video API"])
        #expect(lines.lines(for: WaitProgress(phase: .queued, elapsed: 1, warning: "no serve")).isEmpty)
        #expect(lines.lines(for: WaitProgress(phase: .queued, elapsed: 2)) == ["serve is running again"])
        let first = lines.lines(for: WaitProgress(phase: .retrying(failedAttempts: 1, lastError: "HTTP 503\u{1B}[2J", nextAttempt: next), elapsed: 3))
        #expect(first == ["download attempt 1 failed: HTTP 503\\u{1b}[2J; next at 2025-10-24 13:49:04 UTC"])
        #expect(lines.lines(for: WaitProgress(phase: .retrying(failedAttempts: 2, lastError: nil, nextAttempt: next), elapsed: 4)).count == 1)
    }

    @Test("Sizes and clocks for a person")
    func units() {
        #expect(ByteCountText.format(812) == "812 B")
        #expect(ByteCountText.format(1536) == "1.5 KiB")
        #expect(ByteCountText.format(4 << 30) == "4.0 GiB")
        #expect(ElapsedText.format(7) == "0:07")
        #expect(ElapsedText.format(750) == "12:30")
        #expect(ElapsedText.format(3723) == "1:02:03")
    }

    @Test("The terminal's width: COLUMNS when the descriptor is no terminal, else 80")
    func width() {
        var pipeEnds: [Int32] = [0, 0]
        #expect(pipe(&pipeEnds) == 0)
        defer { close(pipeEnds[0]); close(pipeEnds[1]) }
        #expect(TerminalWidth.of(descriptor: pipeEnds[1], environment: ["COLUMNS": "42"]) == 42)
        #expect(TerminalWidth.of(descriptor: pipeEnds[1], environment: ["COLUMNS": "0"]) == 80)
        #expect(TerminalWidth.of(descriptor: pipeEnds[1], environment: [:]) == 80)
    }
}
