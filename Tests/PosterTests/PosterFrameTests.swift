import Foundation
import Poster
import TestSupport
import Testing

@Suite("Poster frames")
struct PosterFrameTests {
    @Test("the poster sits beside the video as <task-id>.poster.jpg")
    func posterPathBesideTheVideo() {
        #expect(PosterFrame.path(ofVideo: "/a/2026/12/07/task-1.mp4") == "/a/2026/12/07/task-1.poster.jpg")
        #expect(PosterFrame.path(ofVideo: "/a.b/task_2.mp4") == "/a.b/task_2.poster.jpg", "a dot in a folder's name is not the extension")
        #expect(PosterFrame.path(ofVideo: "task-3") == "task-3.poster.jpg")
    }

    @Test("ffmpeg is found in PATH as an absolute path; relative and empty entries are skipped")
    func executableSearch() throws {
        let folder = TemporaryDirectory(prefix: "poster-path")
        let tool = try folder.write("tool", "#!/bin/sh\n")
        chmod(tool, 0o755)
        _ = try folder.write("plain", "not executable\n")
        #expect(ExecutableSearch.find("tool", in: "/nonexistent::relative:\(folder.path)") == tool)
        #expect(ExecutableSearch.find("plain", in: folder.path) == nil)
        #expect(ExecutableSearch.find("tool", in: nil) == nil)
        #expect(ExecutableSearch.find("../tool", in: folder.path) == nil, "a name with a slash is no PATH lookup")
        #expect(ExecutableSearch.find("ffmpeg", in: "/usr/bin:/bin") == "/usr/bin/ffmpeg")
    }

    @Test("a real MP4 gets a JPEG poster, renamed into place, with no partial file left")
    func realVideoGetsAPoster() throws {
        let folder = TemporaryDirectory(prefix: "poster-make")
        let video = folder.file("task-poster-1.mp4")
        try TestVideo.make(at: video)
        let poster = PosterFrame.path(ofVideo: video)
        let made = PosterFrame.make(ffmpeg: try TestVideo.ffmpeg(), video: video, poster: poster, timeoutSeconds: 30)
        let bytes = try made.get()
        let data = try Data(contentsOf: URL(fileURLWithPath: poster))
        #expect(data.count == bytes && bytes > 500)
        #expect(Array(data.prefix(3)) == [0xFF, 0xD8, 0xFF], "a JPEG's start of image")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["task-poster-1.mp4", "task-poster-1.poster.jpg"])
    }

    @Test("a video shorter than the preferred second gets its first frame")
    func shortVideoGetsFirstFrame() throws {
        let folder = TemporaryDirectory(prefix: "poster-short")
        let video = folder.file("short.mp4")
        // Half a second: -ss 1 is past its end, where ffmpeg exits 0 and writes nothing.
        try ProcessRunner.run(try TestVideo.ffmpeg(), ["-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
                                                       "-i", "testsrc=duration=0.5:size=160x120:rate=25",
                                                       "-c:v", "libx264", "-pix_fmt", "yuv420p", video])
        let poster = PosterFrame.path(ofVideo: video)
        #expect(try PosterFrame.make(ffmpeg: try TestVideo.ffmpeg(), video: video, poster: poster, timeoutSeconds: 30).get() > 0)
        #expect(FileManager.default.fileExists(atPath: poster))
    }

    @Test("a file that is no video fails with ffmpeg's reason and leaves nothing behind")
    func notAVideoFails() throws {
        let folder = TemporaryDirectory(prefix: "poster-bad")
        let video = try folder.write("bad.mp4", "these bytes are not a video")
        let poster = PosterFrame.path(ofVideo: video)
        let made = PosterFrame.make(ffmpeg: try TestVideo.ffmpeg(), video: video, poster: poster, timeoutSeconds: 30)
        guard case .failure(let failure) = made else {
            Issue.record("a poster was made of \(video)")
            return
        }
        #expect(failure.reason.hasPrefix("ffmpeg exited 1"), "\(failure.reason)")
        #expect(failure.reason.contains("Invalid data"), "\(failure.reason)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["bad.mp4"])
    }

    @Test("ffmpeg past its time limit is killed, with its whole group")
    func timeLimitKills() throws {
        let folder = TemporaryDirectory(prefix: "poster-slow")
        // A stand-in that never ends: the limit, not ffmpeg, must stop it.
        let slow = try folder.write("slow-ffmpeg", "#!/bin/sh\nsleep 60 &\nwait\n")
        chmod(slow, 0o755)
        let started = Date()
        let made = PosterFrame.make(ffmpeg: slow, video: folder.file("v.mp4"), poster: folder.file("v.poster.jpg"),
                                    timeoutSeconds: 0.5)
        #expect(Date().timeIntervalSince(started) < 5)
        guard case .failure(let failure) = made else {
            Issue.record("the stand-in made a poster")
            return
        }
        #expect(failure.reason.contains("did not finish within"))
    }

    @Test("a missing ffmpeg is a reason, not a crash")
    func missingProgram() {
        let made = PosterFrame.make(ffmpeg: "/nonexistent/ffmpeg", video: "/tmp/v.mp4", poster: "/tmp/v-missing.poster.jpg",
                                    timeoutSeconds: 1)
        guard case .failure(let failure) = made else {
            Issue.record("a poster without ffmpeg")
            return
        }
        #expect(failure.reason.contains("cannot run /nonexistent/ffmpeg"))
    }
}
