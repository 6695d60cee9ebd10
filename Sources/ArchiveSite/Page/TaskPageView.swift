import Foundation
import Ledger
import Poster

/// What a task's page shows: its facts, its timeline (the distinct callbacks with their
/// duplicates and peers, the verification, the download attempts, the notifications),
/// the sidecar and the player. Display text only; the template escapes every value.
struct TaskPageView {
    struct Fact {
        var label: String
        var value: String
    }

    struct Event {
        var time: String
        var status: String
        var progress: String
        /// "seen 3 more times", nil for none (stored: the templates see stored properties only).
        var duplicates: String?
        var lastSeen: String
        var peer: String
        var ignored: Bool
    }

    struct Attempt {
        var number: Int
        var time: String
        var outcome: String
        var reason: String
        var bytes: String
    }

    struct Notification {
        var id: String
        var type: String
        var time: String
        var status: String
        var deliveries: [Delivery]
        var replayHref: String
    }

    struct Delivery {
        var target: String
        var state: String
        var attempts: Int
        var lastError: String?
    }

    var title: String
    var csrfToken: String
    var showLogout: Bool
    var id: String
    var status: String
    var prompt: String?
    var facts: [Fact]
    var verification: String?
    var verificationNote: String?
    var events: [Event]
    var hasEvents = false
    var download: DownloadView?
    var sourceURL: String?
    var attempts: [Attempt]
    var hasAttempts = false
    var retryHref: String
    var notifications: [Notification]
    var hasNotifications = false
    /// The player, once the video is archived.
    var videoSource: String?
    var posterSource: String?
    /// The sidecar JSON as stored, for a file archive; a note otherwise.
    var sidecar: String?
    var sidecarNote: String?
    /// What the last action did (`?done=retry`).
    var notice: String?

    init(detail: TaskDetail, csrfToken: String, showLogout: Bool, sidecar: SidecarText, posterExists: Bool, notice: String?) {
        let task = detail.task
        let id = task.id
        title = "Task " + id
        self.csrfToken = csrfToken
        self.showLogout = showLogout
        self.id = id
        status = task.status.rawValue
        prompt = detail.prompt
        self.notice = notice
        var facts = [Fact(label: "Status", value: task.status.rawValue + (task.progress.map { " (\($0) %)" } ?? ""))]
        if let created = task.created { facts.append(Fact(label: "Created", value: DisplayText.time(unixSeconds: created))) }
        facts.append(Fact(label: "First callback", value: DisplayText.time(task.firstSeen)))
        facts.append(Fact(label: "Last callback", value: DisplayText.time(task.lastSeen)))
        if let model = task.model { facts.append(Fact(label: "Model", value: model)) }
        facts.append(Fact(label: "Submitted here", value: task.submittedByUs ? "yes" : "no"))
        if let length = detail.videoDuration { facts.append(Fact(label: "Video length", value: DisplayText.seconds(length))) }
        if let job = detail.downloadJob, job.state == .done {
            facts.append(Fact(label: "Video size", value: DisplayText.bytes(job.bytesTotal ?? job.bytesDone)))
            if let type = job.contentType { facts.append(Fact(label: "Content type", value: type)) }
            if let sha256 = job.sha256 { facts.append(Fact(label: "SHA-256", value: sha256)) }
            if let path = job.archivePath { facts.append(Fact(label: "Archived at", value: path)) }
        }
        if task.errorCode != nil || task.errorMessage != nil {
            facts.append(Fact(label: "Error", value: [task.errorCode, task.errorMessage].compactMap { $0 }.joined(separator: ": ")))
        }
        self.facts = facts
        verification = task.verification?.rawValue
        verificationNote = task.verificationNote ?? task.lastCheckNote
        events = detail.events.map { event in
            Event(time: DisplayText.time(event.firstSeen), status: event.status.rawValue,
                  progress: event.progress.map { "\($0) %" } ?? "",
                  duplicates: event.duplicateCount == 0 ? nil
                      : "seen \(event.duplicateCount) more time\(event.duplicateCount == 1 ? "" : "s")",
                  lastSeen: DisplayText.time(event.lastSeen), peer: event.peer, ignored: !event.applied)
        }
        download = detail.downloadJob.map { job in
            DownloadView(taskID: id, DownloadProgress(state: job.state, bytesDone: job.bytesDone, bytesTotal: job.bytesTotal,
                                                      archivePath: job.archivePath, contentType: job.contentType,
                                                      lastError: job.lastError))
        }
        sourceURL = detail.downloadJob.map { Self.withoutQuery($0.sourceURL) }
        attempts = detail.downloadAttempts.map { attempt in
            Attempt(number: attempt.attempt, time: DisplayText.time(attempt.endedAt), outcome: attempt.outcome.rawValue,
                    reason: attempt.reason ?? "", bytes: DisplayText.bytes(attempt.bytesDone))
        }
        retryHref = "/tasks/\(id)/retry"
        notifications = detail.notifications.map { event in
            Notification(id: event.id, type: event.type.rawValue, time: DisplayText.time(event.createdAt),
                         status: event.status.rawValue,
                         deliveries: event.deliveries.map {
                             Delivery(target: $0.target, state: $0.state, attempts: $0.attempts, lastError: $0.lastError)
                         },
                         replayHref: "/tasks/\(id)/notifications/\(event.id)/replay")
        }
        if detail.downloadJob?.state == .done {
            videoSource = "/api/v1/tasks/\(id)/video"
            posterSource = posterExists ? "/tasks/\(id)/poster.jpg" : nil
        }
        hasEvents = !events.isEmpty
        hasAttempts = !attempts.isEmpty
        hasNotifications = !notifications.isEmpty
        switch sidecar {
        case .text(let text): self.sidecar = text
        case .note(let note): sidecarNote = note
        case .none: break
        }
    }

    /// A video link without its query, where a CDN's signature lives.
    static func withoutQuery(_ url: String) -> String {
        url.firstIndex(where: { $0 == "?" || $0 == "#" }).map { String(url[..<$0]) } ?? url
    }
}

/// The sidecar as the page shows it.
enum SidecarText: Equatable {
    case text(String)
    case note(String)
    case none

    /// The most of a sidecar the page shows.
    static let limit = 64 << 10

    /// The file archive's sidecar beside `archivePath` (`<task-id>.json`), read up to
    /// ``limit``; for a bucket, a note that it is an object beside the video.
    static func read(archivePath: String?, taskID: String) -> SidecarText {
        guard let archivePath else { return .none }
        guard archivePath.hasPrefix("/") else { return .note("The sidecar is the object \(taskID).json beside the video in the bucket.") }
        let folder = (archivePath as NSString).deletingLastPathComponent
        let path = folder + "/" + taskID + ".json"
        guard let handle = FileHandle(forReadingAtPath: path) else { return .note("No sidecar at \(path).") }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: limit + 1)) ?? Data()
        let text = String(decoding: data.prefix(limit), as: UTF8.self)
        return .text(data.count > limit ? text + "\n… (cut at \(limit / 1024) KiB)" : text)
    }
}

extension PosterFrame {
    /// The poster of the video archived at `archivePath`, when the file archive has one.
    static func existing(archivePath: String?) -> String? {
        guard let archivePath, archivePath.hasPrefix("/") else { return nil }
        let poster = path(ofVideo: archivePath)
        return FileManager.default.fileExists(atPath: poster) ? poster : nil
    }
}
