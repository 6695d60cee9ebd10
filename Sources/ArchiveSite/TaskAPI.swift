import Foundation
import HTTP
import Ledger
import Server
import VideoAPI

/// The JSON API's task routes and actions (docs/openapi.json).
struct TaskAPI: Sendable {
    let site: ArchiveSite

    private var ledger: Ledger { site.configuration.ledger }

    /// `GET /api/v1/tasks`
    func list(_ request: HTTPRequest, _ respond: Responder) {
        let query: TaskListQuery
        switch TaskListParameters.query(target: request.head.target) {
        case .failure(let problem): return respond(problem.response)
        case .success(let parsed): query = parsed
        }
        site.authorized(request, api: true, changesState: false, respond: respond) { [ledger] _ throws(LedgerError) in
            let page = try ledger.taskList(query)
            return APIJSON.response(TaskPageJSON(tasks: page.tasks.map(TaskJSON.init), nextCursor: page.next?.token))
        }
    }

    /// `GET /api/v1/tasks/{id}`
    func detail(_ request: HTTPRequest, _ respond: Responder) {
        guard let id = SitePath.task(request.head.path) else { return respond(Self.notFound) }
        site.authorized(request, api: true, changesState: false, respond: respond) { [ledger] _ throws(LedgerError) in
            guard let detail = try ledger.task(id: id) else { return Self.unknownTask(id) }
            return APIJSON.response(TaskDetailJSON(detail))
        }
    }

    /// `POST /api/v1/tasks/{id}/retry`: a failed download back in the queue, as the
    /// `retry` command does (``Ledger/retryDownload(taskID:now:)``).
    func retry(_ request: HTTPRequest, _ respond: Responder) {
        guard let id = SitePath.taskRetry(request.head.path) else { return respond(Self.notFound) }
        let site = self.site
        site.authorized(request, api: true, changesState: true, respond: respond) { [ledger] _ throws(LedgerError) in
            switch try ledger.retryDownload(taskID: id) {
            case .requeued(let job):
                site.configuration.logger.info("admin.retry", metadata: ["task_id": "\(id)"])
                site.configuration.downloadRequeued()
                let progress = DownloadProgress(state: job.state, bytesDone: job.bytesDone, bytesTotal: job.bytesTotal,
                                                archivePath: job.archivePath, contentType: job.contentType,
                                                lastError: job.lastError)
                return APIJSON.response(RetryJSON(taskID: id.rawValue, download: DownloadProgressJSON(progress)), status: 202)
            case .noJob:
                guard let task = try ledger.task(id: id) else { return Self.unknownTask(id) }
                return .apiError(status: 409, message: "task \(id) has no download job: it is \(task.task.status.rawValue), not completed",
                                 param: "id")
            case .notFailed(let job):
                return .apiError(status: 409, message: "the download of \(id) is \(job.state.rawValue), not failed: nothing to retry",
                                 param: "id")
            }
        }
    }

    /// `POST /api/v1/tasks/{id}/notifications/{event}/replay`: every delivery of the
    /// event queued again, as `events replay` does (``Ledger/replayNotifications(_:now:)``).
    func replay(_ request: HTTPRequest, _ respond: Responder) {
        guard let (id, eventID) = SitePath.notificationReplay(request.head.path) else { return respond(Self.notFound) }
        let site = self.site
        site.authorized(request, api: true, changesState: true, respond: respond) { [ledger] _ throws(LedgerError) in
            guard let event = try ledger.notificationEvent(id: eventID), event.event.taskID == id.rawValue else {
                return .apiError(status: 404, message: "task \(id) has no notification event \(eventID)", param: "event_id")
            }
            let queued = try ledger.replayNotifications(.event(eventID))
            site.configuration.logger.info("admin.replay", metadata: ["task_id": "\(id)", "event_id": "\(eventID)",
                                                                      "queued": "\(queued)"])
            return APIJSON.response(ReplayJSON(eventID: eventID, queued: queued), status: 202)
        }
    }

    /// `GET /api/v1/session`: who the caller is, and the CSRF token its state changes need.
    func session(_ request: HTTPRequest, _ respond: Responder) {
        let access = site.configuration.access
        site.authorized(request, api: true, changesState: false, respond: respond) { caller throws(LedgerError) in
            let kind = switch caller {
            case .open: "open"
            case .bearer: "bearer"
            case .session: "session"
            }
            return APIJSON.response(SessionJSON(caller: kind, csrfToken: access.csrfToken(for: caller)))
        }
    }

    /// `GET /api/v1/openapi.json`: docs/openapi.json, byte for byte.
    func openAPI(_ request: HTTPRequest, _ respond: Responder) {
        site.authorized(request, api: true, changesState: false, respond: respond) { _ throws(LedgerError) in
            var headers = HTTPHeaders()
            headers.add("Content-Type", "application/json")
            return HTTPResponse(status: 200, headers: headers, body: Array(OpenAPIDocument.text.utf8))
        }
    }

    static let notFound = HTTPResponse.apiError(status: 404, message: "not found")

    static func unknownTask(_ id: TaskID) -> HTTPResponse {
        .apiError(status: 404, message: "no task \(id) in the ledger", param: "id")
    }
}

struct RetryJSON: Encodable {
    var taskID: String
    var download: DownloadProgressJSON
    enum CodingKeys: String, CodingKey { case taskID = "task_id", download }
}

struct ReplayJSON: Encodable {
    var eventID: String
    /// Deliveries put back in the queue.
    var queued: Int
    enum CodingKeys: String, CodingKey { case eventID = "event_id", queued }
}

struct SessionJSON: Encodable {
    /// open, bearer or session.
    var caller: String
    var csrfToken: String
    enum CodingKeys: String, CodingKey { case caller, csrfToken = "csrf_token" }
}
