import Foundation
import HTTP
import Ledger
import Server

/// `GET /login` (the form), `POST /login` (the admin token in, a session cookie out) and
/// `POST /logout`. On a loopback listener there is nothing to log in to: both lead home.
struct LoginRoutes: Sendable {
    let site: ArchiveSite

    private var access: AdminAccess { site.configuration.access }

    func form(_ request: HTTPRequest, _ respond: Responder) {
        if access.isOpen { return respond(Self.redirect(to: "/")) }
        respond(Self.page(status: 200, message: nil))
    }

    func logIn(_ request: HTTPRequest, _ respond: Responder) {
        if access.isOpen { return respond(Self.redirect(to: "/")) }
        let fields = FormBody.fields(of: request)
        guard let token = fields["token"], access.isAdminToken(token) else {
            // The token itself is never logged, right or wrong.
            site.configuration.logger.info("admin.login_failed", metadata: ["reason": fields["token"] == nil ? "no token field" : "wrong token"])
            return respond(Self.page(status: 401, message: "That is not the admin token (admin.token or admin.token_file)."))
        }
        var response = Self.redirect(to: "/")
        response.headers.add("Set-Cookie", AdminAccess.sessionCookieHeader(access.newSession()))
        respond(response)
    }

    func logOut(_ request: HTTPRequest, _ respond: Responder) {
        if access.isOpen { return respond(Self.redirect(to: "/")) }
        switch access.authorize(request.head, api: false, changesState: true, form: FormBody.fields(of: request)) {
        case .failure(let refusal):
            respond(refusal.response)
        case .success:
            var response = Self.redirect(to: "/login")
            response.headers.add("Set-Cookie", AdminAccess.sessionCookieHeader(nil))
            respond(response)
        }
    }

    static func redirect(to location: String) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Location", location)
        return HTTPResponse(status: 303, headers: headers)
    }

    /// The form, in the page's look (``PageTemplates/login``).
    static func page(status: Int, message: String?) -> HTTPResponse {
        PageRenderer.response("login", LoginView(message: message), status: status)
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
