import Foundation
import Lifecycle
import Logging
import Synchronization

/// Makes each archived video's poster frame with ffmpeg, once, on a thread of its own:
/// the download worker that archived the video only queues it and goes on. The poster is
/// optional: a failure is a log line, never a failed archive, and a video archived while
/// the queue is full, or while the daemon stops, has none.
public final class PosterService: Service {
    public var serviceName: String { "poster-maker" }

    /// Videos waiting for their poster beyond this are skipped (a restart's backlog of
    /// archived videos is not worth an unbounded queue).
    public static let queueLimit = 64
    /// The most one ffmpeg run may take before it is killed.
    public static let timeoutSeconds: Double = 30

    private struct Request {
        var taskID: String
        var videoPath: String
    }

    private struct State {
        var queue: [Request] = []
        var stopping = false
    }

    private let ffmpeg: String
    private let logger: Logger
    private let state = Mutex(State())
    private let thread = PeriodicThread(name: "poster", interval: .seconds(60))

    /// - Parameter ffmpeg: the absolute path of ffmpeg (``ExecutableSearch``).
    public init(ffmpeg: String, logger: Logger) {
        self.ffmpeg = ffmpeg
        self.logger = logger
    }

    /// Queues the poster of the video just archived at `videoPath`; returns at once.
    public func videoArchived(taskID: String, videoPath: String) {
        let queued = state.withLock { state -> Bool in
            guard !state.stopping, state.queue.count < Self.queueLimit else { return false }
            state.queue.append(Request(taskID: taskID, videoPath: videoPath))
            return true
        }
        if queued {
            thread.wake()
        } else {
            logger.notice("poster.skipped", metadata: [
                "task_id": "\(taskID)", "reason": "the poster queue is full or the daemon is stopping",
            ])
        }
    }

    public func start() throws {
        try thread.start { [self] in drain() }
    }

    public func beginStopping() {
        state.withLock { $0.stopping = true }
        thread.beginStopping()
    }

    public func waitUntilStopped(timeout: Duration) -> Bool {
        thread.waitUntilStopped(timeout: timeout)
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    private func drain() {
        while let request = state.withLock({ state -> Request? in
            state.stopping || state.queue.isEmpty ? nil : state.queue.removeFirst()
        }) {
            make(request)
        }
    }

    private func make(_ request: Request) {
        let poster = PosterFrame.path(ofVideo: request.videoPath)
        // Made once: a video archived again (a retry, a takeover) keeps its poster.
        if FileManager.default.fileExists(atPath: poster) { return }
        let started = Date()
        let outcome = PosterFrame.make(ffmpeg: ffmpeg, video: request.videoPath, poster: poster,
                                       timeoutSeconds: Self.timeoutSeconds, cancelled: { [self] in isStopping })
        switch outcome {
        case .success(let bytes):
            logger.info("poster.made", metadata: [
                "task_id": "\(request.taskID)", "path": "\(poster)", "bytes": "\(bytes)",
                "ms": "\(Int(Date().timeIntervalSince(started) * 1000))",
            ])
        case .failure(let failure):
            logger.warning("poster.failed", metadata: ["task_id": "\(request.taskID)", "reason": "\(failure.reason)"])
        }
    }
}
