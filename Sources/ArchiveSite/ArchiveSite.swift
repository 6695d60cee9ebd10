import Foundation
import HTTP
import Ledger
import Logging
import Server

/// The archive site on the admin listener: the JSON API under `/api/v1/`, the video with
/// `Range`, the login form, and the access rules over all of them (``AdminAccess``). The
/// HTML pages live here too, beside the API they share the reads and the access with.
///
/// Handlers read the ledger off the event loop (``ArchiveWork``): a slow read, on a
/// shared PostgreSQL ledger say, must not hold up `/healthz` on the same loop.
public struct ArchiveSite: Sendable {
    public struct Configuration: Sendable {
        public var ledger: Ledger
        public var access: AdminAccess
        /// Presigns a GET of a video archived in a bucket; nil without `s3.bucket`.
        public var objectLinks: (any ObjectLinkSigner)?
        /// A download was put back in the queue: wake the downloader so it starts now.
        public var downloadRequeued: @Sendable () -> Void
        public var logger: Logger

        public init(ledger: Ledger, access: AdminAccess, objectLinks: (any ObjectLinkSigner)? = nil,
                    downloadRequeued: @escaping @Sendable () -> Void = {}, logger: Logger) {
            self.ledger = ledger
            self.access = access
            self.objectLinks = objectLinks
            self.downloadRequeued = downloadRequeued
            self.logger = logger
        }
    }

    let configuration: Configuration
    let work: ArchiveWork

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        work = ArchiveWork()
    }

    /// Adds the site's routes to the admin listener's router, and the security headers
    /// to every answer it gives (`/healthz`, `/readyz`, `/metrics`, 404s included).
    public func install(on router: inout Router) {
        for (name, value) in SecurityHeaders.all where !router.responseHeaders.contains(name) {
            router.responseHeaders.add(name, value)
        }
        let api = TaskAPI(site: self)
        router.add("GET", "/api/v1/tasks") { request, _, respond in api.list(request, respond) }
        router.add("GET", matching: { SitePath.task($0) != nil }) { request, _, respond in api.detail(request, respond) }
        router.add("GET", matching: { SitePath.taskVideo($0) != nil }) { request, _, respond in
            VideoEndpoint(site: self).serve(request, respond)
        }
        router.add("POST", matching: { SitePath.taskRetry($0) != nil }) { request, _, respond in api.retry(request, respond) }
        router.add("POST", matching: { SitePath.notificationReplay($0) != nil }) { request, _, respond in
            api.replay(request, respond)
        }
        router.add("GET", "/api/v1/session") { request, _, respond in api.session(request, respond) }
        router.add("GET", "/api/v1/openapi.json") { request, _, respond in api.openAPI(request, respond) }
        let login = LoginRoutes(site: self)
        router.add("GET", "/login") { request, _, respond in login.form(request, respond) }
        router.add("POST", "/login") { request, _, respond in login.logIn(request, respond) }
        router.add("POST", "/logout") { request, _, respond in login.logOut(request, respond) }
        PageRoutes(site: self).install(on: &router)
    }

    // MARK: Shared by the handlers

    /// Checks access, then runs `body` off the event loop and answers with what it gives.
    /// A ledger failure is a 503 with the reason (the ledger's reasons name no secret).
    func authorized(_ request: HTTPRequest, api: Bool, changesState: Bool, respond: Responder,
                    _ body: @escaping @Sendable (AdminAccess.Caller) throws(LedgerError) -> HTTPResponse) {
        let form = changesState ? FormBody.fields(of: request) : [:]
        switch configuration.access.authorize(request.head, api: api, changesState: changesState, form: form) {
        case .failure(let refusal):
            if case .forbidden = refusal {
                configuration.logger.info("admin.refused", metadata: ["path": "\(request.head.path)", "status": "403"])
            }
            respond(refusal.response)
        case .success(let caller):
            work.run { [configuration] in
                do throws(LedgerError) {
                    respond(try body(caller))
                } catch {
                    configuration.logger.warning("admin.ledger_failed", metadata: ["path": "\(request.head.path)",
                                                                                   "reason": "\(error)"])
                    var headers = HTTPHeaders()
                    headers.add("Retry-After", "5")
                    respond(.apiError(status: 503, message: "the ledger could not be read: \(error)", headers: headers))
                }
            }
        }
    }
}

/// Makes short-lived links to videos archived in a bucket (the S3 client's presigned GET).
public protocol ObjectLinkSigner: Sendable {
    /// A GET URL for `key` in the archive's bucket, valid for `seconds`.
    func presignedGetURL(bucket: String, key: String, expiresIn seconds: Int) throws -> String
}
