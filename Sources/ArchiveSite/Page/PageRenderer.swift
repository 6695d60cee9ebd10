import HTTP
import Mustache

/// Renders the page's templates (``PageTemplates``) with swift-mustache, which escapes
/// every `{{value}}` for HTML. The library is parsed once; a template that does not
/// parse is a programming error caught by the tests, not a runtime state.
enum PageRenderer {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in PageTemplates.all {
            do {
                try library.register(text, named: name)
            } catch {
                preconditionFailure("the page template \(name) does not parse: \(error)")
            }
        }
        return library
    }()

    /// The HTML of `template` for `view`.
    static func html(_ template: String, _ view: Any) -> String {
        guard let html = library.render(view, withTemplate: template) else {
            preconditionFailure("no page template named \(template)")
        }
        return html
    }

    static func response(_ template: String, _ view: Any, status: Int = 200) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "text/html; charset=utf-8")
        return HTTPResponse(status: status, headers: headers, body: Array(html(template, view).utf8))
    }

    /// A page that says what went wrong, in the page's own look.
    static func problem(status: Int, heading: String, message: String, csrfToken: String = "",
                        showLogout: Bool = false) -> HTTPResponse {
        response("problem", ProblemView(title: heading, heading: heading, message: message, csrfToken: csrfToken,
                                        showLogout: showLogout), status: status)
    }
}

struct ProblemView {
    var title: String
    var heading: String
    var message: String
    var csrfToken: String
    var showLogout: Bool
}

struct LoginView {
    var title = "Log in"
    var message: String?
    var csrfToken = ""
    var showLogout = false
}
