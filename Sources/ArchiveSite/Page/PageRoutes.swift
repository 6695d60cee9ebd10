import Foundation
import HTTP
import Ledger
import Poster
import Server
import VideoAPI

/// The archive's HTML pages: `GET /` (the task list), `GET /tasks/{id}` (a task's story
/// and its player), the poster frame, the actions as forms (`POST /tasks/{id}/retry`,
/// `POST /tasks/{id}/notifications/{event}/replay`, each answered with a redirect back
/// to the task), and the page's static files. The same access rules as the API, with
/// the login form instead of a 401.
struct PageRoutes: Sendable {
    let site: ArchiveSite

    private var ledger: Ledger { site.configuration.ledger }
    private var access: AdminAccess { site.configuration.access }

    func install(on router: inout Router) {
        router.add("GET", "/") { request, _, respond in list(request, respond) }
        router.add("GET", matching: { PagePath.task($0) != nil }) { request, _, respond in task(request, respond) }
        router.add("GET", matching: { PagePath.poster($0) != nil }) { request, _, respond in poster(request, respond) }
        router.add("POST", matching: { PagePath.retry($0) != nil }) { request, _, respond in retry(request, respond) }
        router.add("POST", matching: { PagePath.replay($0) != nil }) { request, _, respond in replay(request, respond) }
        // Public: the login form needs its look before anyone has logged in, and these
        // files hold nothing of the archive.
        for path in PageAssets.byPath.keys.sorted() {
            router.add("GET", path) { request, _, respond in
                respond(PageAssets.response(path: request.head.path) ?? PageRenderer.problem(status: 404, heading: "Not found",
                                                                                              message: "No such file."))
            }
        }
    }

    /// `GET /`
    func list(_ request: HTTPRequest, _ respond: Responder) {
        let parsed: ListPageRequest
        do {
            parsed = try ListPageRequest(target: request.head.target)
        } catch {
            return respond(PageRenderer.problem(status: 400, heading: "This list cannot be shown", message: error.message))
        }
        site.authorized(request, api: false, changesState: false, respond: respond) { [ledger, access] caller throws(LedgerError) in
            let page = try ledger.taskList(parsed.query)
            let view = TaskListView(page: page, request: parsed, csrfToken: access.csrfToken(for: caller),
                                    showLogout: caller.isSession)
            return PageRenderer.response("list", view)
        }
    }

    /// `GET /tasks/{id}`
    func task(_ request: HTTPRequest, _ respond: Responder) {
        guard let id = PagePath.task(request.head.path) else { return respond(Self.notFound) }
        let notice = QueryString(target: request.head.target).values("done").first.flatMap { $0 }.flatMap(Self.notice)
        site.authorized(request, api: false, changesState: false, respond: respond) { [ledger, access] caller throws(LedgerError) in
            guard let detail = try ledger.task(id: id) else {
                return PageRenderer.problem(status: 404, heading: "No such task", message: "The ledger has no task \(id).",
                                            csrfToken: access.csrfToken(for: caller), showLogout: caller.isSession)
            }
            let archivePath = detail.downloadJob?.state == .done ? detail.downloadJob?.archivePath : nil
            let view = TaskPageView(detail: detail, csrfToken: access.csrfToken(for: caller), showLogout: caller.isSession,
                                    sidecar: SidecarText.read(archivePath: archivePath, taskID: id.rawValue),
                                    posterExists: PosterFrame.existing(archivePath: archivePath) != nil, notice: notice)
            return PageRenderer.response("task", view)
        }
    }

    /// `GET /tasks/{id}/poster.jpg`: the JPEG beside the archived video, when ffmpeg made one.
    func poster(_ request: HTTPRequest, _ respond: Responder) {
        guard let id = PagePath.poster(request.head.path) else { return respond(Self.notFound) }
        site.authorized(request, api: false, changesState: false, respond: respond) { [ledger] _ throws(LedgerError) in
            let job = try ledger.task(id: id)?.downloadJob
            guard job?.state == .done, let path = PosterFrame.existing(archivePath: job?.archivePath),
                  let data = FileManager.default.contents(atPath: path) else {
                return .apiError(status: 404, message: "task \(id) has no poster frame", param: "id")
            }
            var headers = HTTPHeaders()
            headers.add("Content-Type", "image/jpeg")
            return HTTPResponse(status: 200, headers: headers, body: Array(data))
        }
    }

    /// `POST /tasks/{id}/retry`: a failed download back in the queue, then the task again.
    func retry(_ request: HTTPRequest, _ respond: Responder) {
        guard let id = PagePath.retry(request.head.path) else { return respond(Self.notFound) }
        let site = self.site
        site.authorized(request, api: false, changesState: true, respond: respond) { [ledger] caller throws(LedgerError) in
            switch try ledger.retryDownload(taskID: id) {
            case .requeued:
                site.configuration.logger.info("admin.retry", metadata: ["task_id": "\(id)", "from": "page"])
                site.configuration.downloadRequeued()
                return Self.backToTask(id, done: "retry")
            case .noJob:
                return PageRenderer.problem(status: 409, heading: "Nothing to retry",
                                            message: "Task \(id) has no download: only a completed task has one.",
                                            csrfToken: site.configuration.access.csrfToken(for: caller),
                                            showLogout: caller.isSession)
            case .notFailed(let job):
                return PageRenderer.problem(status: 409, heading: "Nothing to retry",
                                            message: "The download of \(id) is \(job.state.rawValue), not failed.",
                                            csrfToken: site.configuration.access.csrfToken(for: caller),
                                            showLogout: caller.isSession)
            }
        }
    }

    /// `POST /tasks/{id}/notifications/{event}/replay`: the event's deliveries queued again.
    func replay(_ request: HTTPRequest, _ respond: Responder) {
        guard let (id, eventID) = PagePath.replay(request.head.path) else { return respond(Self.notFound) }
        let site = self.site
        site.authorized(request, api: false, changesState: true, respond: respond) { [ledger] caller throws(LedgerError) in
            guard let event = try ledger.notificationEvent(id: eventID), event.event.taskID == id.rawValue else {
                return PageRenderer.problem(status: 404, heading: "No such notification",
                                            message: "Task \(id) has no notification event \(eventID).",
                                            csrfToken: site.configuration.access.csrfToken(for: caller),
                                            showLogout: caller.isSession)
            }
            let queued = try ledger.replayNotifications(.event(eventID))
            site.configuration.logger.info("admin.replay", metadata: ["task_id": "\(id)", "event_id": "\(eventID)",
                                                                      "queued": "\(queued)", "from": "page"])
            return Self.backToTask(id, done: "replay")
        }
    }

    static let notFound = HTTPResponse.apiError(status: 404, message: "not found")

    /// 303 to the task's page, which says what was done (Post/Redirect/Get: a reload
    /// does not post the form again).
    static func backToTask(_ id: TaskID, done: String) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Location", "/tasks/\(id)?done=\(done)")
        return HTTPResponse(status: 303, headers: headers)
    }

    /// The words for `?done=`; nil for anything else (the query is not echoed).
    static func notice(_ done: String) -> String? {
        switch done {
        case "retry": "The download is queued again."
        case "replay": "The notification is queued for delivery again."
        default: nil
        }
    }
}

extension AdminAccess.Caller {
    /// A logged-in browser, which has a session to end.
    var isSession: Bool {
        if case .session = self { return true }
        return false
    }
}

/// The pages' paths with a task id (or an event id) in them; like ``SitePath``, a
/// segment that is not a safe id matches nothing.
enum PagePath {
    /// `/tasks/{id}`
    static func task(_ path: String) -> TaskID? {
        SitePath.match(path, ["tasks", nil]).flatMap { TaskID($0[0]) }
    }

    /// `/tasks/{id}/poster.jpg`
    static func poster(_ path: String) -> TaskID? {
        SitePath.match(path, ["tasks", nil, "poster.jpg"]).flatMap { TaskID($0[0]) }
    }

    /// `/tasks/{id}/retry`
    static func retry(_ path: String) -> TaskID? {
        SitePath.match(path, ["tasks", nil, "retry"]).flatMap { TaskID($0[0]) }
    }

    /// `/tasks/{id}/notifications/{event}/replay`
    static func replay(_ path: String) -> (task: TaskID, event: String)? {
        guard let found = SitePath.match(path, ["tasks", nil, "notifications", nil, "replay"]),
              let task = TaskID(found[0]), TaskID(found[1]) != nil else { return nil }
        return (task, found[1])
    }
}
