import Foundation
import Ledger
import VideoAPI

/// What the task list's template shows: the filters as they were given, one row per
/// task, and the links to the pages around this one. Display text only; the template
/// escapes every value.
struct TaskListView {
    struct Row {
        var id: String
        var href: String
        var status: String
        var created: String
        var prompt: String?
        var length: String?
        var size: String?
        var download: DownloadView?
    }

    struct StatusOption {
        var value: String
        var label: String
        var selected: Bool
    }

    var title = "Tasks"
    var csrfToken: String
    var showLogout: Bool
    var statusOptions: [StatusOption]
    var day: String
    var search: String
    var rows: [Row]
    // Stored, not computed: the templates see stored properties only (Mirror).
    var hasRows = false
    /// No task at all yet, rather than none that matches.
    var emptyArchive: Bool
    var filtered: Bool
    var nextHref: String?
    var previousHref: String?
    var firstHref: String?
    var hasPaging = false
    /// Rows whose download is under way: the script follows them.
    var live = false

    init(page: TaskListPage, request: ListPageRequest, csrfToken: String, showLogout: Bool) {
        self.csrfToken = csrfToken
        self.showLogout = showLogout
        statusOptions = [StatusOption(value: "", label: "any status", selected: request.query.status == nil)]
            + TaskStatus.allCases.map {
                StatusOption(value: $0.rawValue, label: $0.rawValue, selected: request.query.status == $0)
            }
        day = request.query.day?.description ?? ""
        search = request.query.search ?? ""
        filtered = request.query.status != nil || request.query.day != nil || request.query.search != nil
        emptyArchive = page.tasks.isEmpty && !filtered && request.query.after == nil
        rows = page.tasks.map { item in
            Row(id: item.id, href: "/tasks/" + item.id, status: item.status.rawValue,
                created: DisplayText.time(item.created.map { Date(timeIntervalSince1970: Double($0)) } ?? item.firstSeen),
                prompt: item.prompt, length: item.videoDuration.map(DisplayText.seconds),
                size: item.download?.archivedBytes.map(DisplayText.bytes),
                download: item.download.map { DownloadView(taskID: item.id, $0) })
        }
        nextHref = page.next.map { request.link(after: $0.token, back: request.back + [request.query.after?.token ?? ""]) }
        if let previous = request.back.last {
            previousHref = request.link(after: previous.isEmpty ? nil : previous, back: Array(request.back.dropLast()))
        }
        // Past the second page, or further back than the trail remembers.
        if request.query.after != nil && request.back.count != 1 {
            firstHref = request.link(after: nil, back: [])
        }
        hasRows = !rows.isEmpty
        hasPaging = nextHref != nil || previousHref != nil || firstHref != nil
        live = rows.contains { $0.download?.live == true }
    }
}

/// A download's state as a row or the task's page shows it, with what the script needs
/// to follow it while it runs.
struct DownloadView {
    var taskID: String
    var state: String
    var live: Bool
    var failed: Bool
    var done: Bool
    /// 0 to 100 once the length is known; nil shows an indeterminate bar.
    var percent: Int?
    var percentText: String
    var bytesText: String
    var lastError: String?

    init(taskID: String, _ progress: DownloadProgress) {
        self.taskID = taskID
        state = progress.state.rawValue
        live = progress.state == .queued || progress.state == .running
        failed = progress.state == .failed
        done = progress.state == .done
        percent = progress.state == .done ? 100 : DisplayText.percent(done: progress.bytesDone, total: progress.bytesTotal)
        percentText = percent.map { "\($0) %" } ?? ""
        let total = progress.bytesTotal.map { " of " + DisplayText.bytes($0) } ?? ""
        bytesText = progress.state == .done
            ? DisplayText.bytes(progress.archivedBytes ?? progress.bytesDone)
            : DisplayText.bytes(progress.bytesDone) + total
        lastError = progress.lastError
    }
}
