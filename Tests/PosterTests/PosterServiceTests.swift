import Foundation
import Poster
import TestSupport
import Testing

@Suite("The poster maker's service")
struct PosterServiceTests {
    @Test("an archived video gets its poster on the service's thread, once; a failure is a log line")
    func makesPostersOnce() throws {
        let folder = TemporaryDirectory(prefix: "poster-service")
        let video = folder.file("task-service-1.mp4")
        try TestVideo.make(at: video)
        let broken = try folder.write("task-service-2.mp4", "not a video")
        let log = LogCapture()
        let service = PosterService(ffmpeg: try TestVideo.ffmpeg(), logger: log.logger)
        try service.start()
        defer { service.beginStopping(); _ = service.waitUntilStopped(timeout: .seconds(10)) }
        service.videoArchived(taskID: "task-service-1", videoPath: video)
        service.videoArchived(taskID: "task-service-2", videoPath: broken)
        #expect(Polling.until(timeout: 30) { log.events("poster.failed").count == 1 }, "\(log.text)")
        #expect(log.events("poster.made", task: "task-service-1").count == 1)
        #expect(log.events("poster.failed", task: "task-service-2").first?.metadata["reason"]?.contains("ffmpeg exited 1") == true)
        let poster = PosterFrame.path(ofVideo: video)
        let made = try FileManager.default.attributesOfItem(atPath: poster)[.modificationDate] as? Date
        // Archived again (a retry, a takeover): the poster it has is kept.
        service.videoArchived(taskID: "task-service-1", videoPath: video)
        service.videoArchived(taskID: "task-service-2", videoPath: broken)
        #expect(Polling.until(timeout: 30) { log.events("poster.failed").count == 2 })
        #expect(log.events("poster.made").count == 1)
        #expect(try FileManager.default.attributesOfItem(atPath: poster)[.modificationDate] as? Date == made)
    }

    @Test("past 64 waiting videos the rest are skipped with a line each; stopping kills the ffmpeg that runs")
    func queueLimitAndStop() throws {
        let folder = TemporaryDirectory(prefix: "poster-queue")
        // A stand-in for ffmpeg that never finishes: the first video holds the thread.
        let pidFile = folder.file("ffmpeg.pid")
        let slow = try folder.write("slow-ffmpeg", "#!/bin/sh\necho $$ > \(pidFile)\nexec sleep 120\n")
        chmod(slow, 0o755)
        let log = LogCapture()
        let service = PosterService(ffmpeg: slow, logger: log.logger)
        try service.start()
        service.videoArchived(taskID: "task-held", videoPath: folder.file("held.mp4"))
        #expect(Polling.until(timeout: 10) { Self.isRunning(pidFile: pidFile) }, "the first run started")
        for number in 0..<(PosterService.queueLimit + 3) {
            service.videoArchived(taskID: "task-\(number)", videoPath: folder.file("\(number).mp4"))
        }
        #expect(log.events("poster.skipped").count == 3)
        #expect(log.events("poster.skipped", task: "task-\(PosterService.queueLimit)").count == 1)
        let stopping = Date()
        service.beginStopping()
        #expect(service.waitUntilStopped(timeout: .seconds(10)))
        #expect(Date().timeIntervalSince(stopping) < 5, "the running ffmpeg was killed, the queue dropped")
        #expect(!Self.isRunning(pidFile: pidFile))
        service.videoArchived(taskID: "task-late", videoPath: folder.file("late.mp4"))
        #expect(log.events("poster.skipped", task: "task-late").count == 1, "nothing is queued once stopping")
    }

    /// Whether the stand-in whose pid is in `pidFile` still runs (a zombie does not count).
    static func isRunning(pidFile: String) -> Bool {
        guard let pid = (try? String(contentsOfFile: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines),
              !pid.isEmpty, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        return !stat.contains(") Z ")
    }
}
