import Foundation

/// One scripted answer of the fake video API.
public struct FakeResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var json: String?
    public var text: String?
    public var file: String?
    public var contentType: String?

    public init(status: Int, headers: [String: String] = [:], json: String? = nil, text: String? = nil,
                file: String? = nil, contentType: String? = nil) {
        self.status = status
        self.headers = headers
        self.json = json
        self.text = text
        self.file = file
        self.contentType = contentType
    }

    /// A JSON body, given as text.
    public static func json(_ status: Int, _ json: String, headers: [String: String] = [:]) -> FakeResponse {
        FakeResponse(status: status, headers: headers, json: json)
    }

    /// The API's error shape.
    public static func apiError(_ status: Int, type: String, message: String, param: String? = nil,
                                fallbackSuggestion: String? = nil, headers: [String: String] = [:]) -> FakeResponse {
        var error: [String: Any] = ["code": status, "message": message, "type": type]
        if let param { error["param"] = param }
        if let fallbackSuggestion { error["fallback_suggestion"] = fallbackSuggestion }
        let data = try! JSONSerialization.data(withJSONObject: ["error": error], options: [.sortedKeys])
        return FakeResponse(status: status, headers: headers, json: String(decoding: data, as: UTF8.self))
    }

    /// A file's bytes, as a CDN serves a video.
    public static func file(_ path: String, contentType: String = "video/mp4", status: Int = 200) -> FakeResponse {
        FakeResponse(status: status, file: path, contentType: contentType)
    }

    var object: [String: Any] {
        var object: [String: Any] = ["status": status, "headers": headers]
        if let json { object["json"] = try! JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed]) }
        if let text { object["text"] = text }
        if let file { object["file"] = file }
        if let contentType { object["content_type"] = contentType }
        return object
    }
}
