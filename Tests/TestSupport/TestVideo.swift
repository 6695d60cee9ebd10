import Foundation

/// A real, short MP4 that ffmpeg makes for a test: its test pattern and a 440 Hz tone,
/// H.264 and AAC, the index at the front (`+faststart`) so a browser can play it as it
/// arrives. What the archive page's player and the poster frames are tested with.
public enum TestVideo {
    /// ffmpeg from Debian's package (scripts/install-deps.sh test installs it).
    public static func ffmpeg() throws -> String {
        guard let path = ["/usr/bin/ffmpeg", "/usr/local/bin/ffmpeg"].first(where: FileManager.default.isExecutableFile) else {
            throw DaemonError("ffmpeg is not installed: scripts/install-deps.sh test installs it")
        }
        return path
    }

    /// Writes the video to `path`; returns its SHA-256 (hex) as `sha256sum` computes it.
    @discardableResult
    public static func make(at path: String, seconds: Int = 2, width: Int = 320, height: Int = 240) throws -> String {
        try ProcessRunner.run(try ffmpeg(), [
            "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "testsrc=duration=\(seconds):size=\(width)x\(height):rate=25",
            "-f", "lavfi", "-i", "sine=frequency=440:duration=\(seconds)",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "ultrafast",
            "-c:a", "aac", "-shortest", "-movflags", "+faststart", path,
        ])
        return try FileServer.sha256(of: path)
    }

    /// The duration in seconds as `ffprobe` reads it.
    public static func duration(of path: String) throws -> Double {
        let output = try ProcessRunner.run("/usr/bin/ffprobe", [
            "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path,
        ])
        guard let seconds = Double(output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw DaemonError("ffprobe printed \(output.debugDescription), not a duration")
        }
        return seconds
    }
}
