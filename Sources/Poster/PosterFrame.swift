import Glibc

/// The poster of an archived video: one JPEG frame beside it, `<task-id>.poster.jpg`
/// next to `<task-id>.mp4`, which the archive page shows before the video plays.
public enum PosterFrame {
    /// Where the poster of the video at `videoPath` goes: its name without the extension,
    /// plus `.poster.jpg` (extra results are `<task-id>.<n>.<ext>`, so no name is shared).
    public static func path(ofVideo videoPath: String) -> String {
        let slash = videoPath.lastIndex(of: "/").map { videoPath.index(after: $0) } ?? videoPath.startIndex
        let name = videoPath[slash...]
        let stem = name.lastIndex(of: ".").map { videoPath[..<$0] } ?? videoPath[...]
        return String(stem) + ".poster.jpg"
    }

    /// Seconds into the video the frame is taken from: past a fade-in, within the
    /// shortest video the API makes. A video shorter than that gets its first frame.
    static let preferredSecond = 1

    /// ffmpeg's arguments (argv[0] included) for a frame at `second` of `video` written
    /// as JPEG to `output`: at most 640 pixels wide (the page shows it no larger), only
    /// the frame, no audio, nothing read from stdin, nothing printed but errors.
    static func arguments(ffmpeg: String, video: String, output: String, second: Int) -> [String] {
        [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
         "-ss", String(second), "-i", video,
         "-frames:v", "1", "-an", "-vf", "scale=min(640\\,iw):-2", "-q:v", "4",
         "-f", "image2", output]
    }
}

/// Why no poster was made, in words for the log.
public struct PosterFailure: Error, Sendable, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

extension PosterFrame {
    /// Runs ffmpeg for the frame at ``preferredSecond`` (the first frame when the video is
    /// shorter), into a hidden file beside `poster` renamed into place when whole, so the
    /// page never serves half a JPEG. Returns the poster's size in bytes.
    public static func make(ffmpeg: String, video: String, poster: String, timeoutSeconds: Double,
                            cancelled: @escaping () -> Bool = { false }) -> Result<Int, PosterFailure> {
        let slash = poster.lastIndex(of: "/").map { poster.index(after: $0) } ?? poster.startIndex
        let partial = String(poster[..<slash]) + "." + String(poster[slash...]) + ".part"
        defer { unlink(partial) }
        for second in [preferredSecond, 0] {
            let run = FFmpegRun.run(arguments(ffmpeg: ffmpeg, video: video, output: partial, second: second),
                                    environment: ["PATH": "/usr/bin:/bin"], timeoutSeconds: timeoutSeconds,
                                    cancelled: cancelled)
            switch run.ending {
            case .exited(0):
                // Past the end of a short video ffmpeg exits 0 and writes nothing.
                var info = stat()
                guard stat(partial, &info) == 0, info.st_size > 0 else { continue }
                guard rename(partial, poster) == 0 else {
                    return .failure(PosterFailure("rename to \(poster): \(String(cString: strerror(errno)))"))
                }
                return .success(Int(info.st_size))
            case .exited(let status):
                return .failure(PosterFailure("ffmpeg exited \(status): \(run.errorText)"))
            case .killedBySignal(let signal):
                return .failure(PosterFailure("ffmpeg was killed by signal \(signal): \(run.errorText)"))
            case .timedOut:
                return .failure(PosterFailure("ffmpeg did not finish within \(Int(timeoutSeconds)) s, or the daemon is stopping"))
            case .couldNotStart(let reason):
                return .failure(PosterFailure(reason))
            }
        }
        return .failure(PosterFailure("ffmpeg found no frame in the video"))
    }
}
