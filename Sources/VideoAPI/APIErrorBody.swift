/// The video API's error shape, which videohookd also answers with:
/// `{"error": {"code": 400, "message": "...", "type": "invalid_request_error",
/// "param": "status", "fallback_suggestion": "..."}}`.
///
/// Decoding is lenient like ``TaskObject``: any part may be missing, so an error from a
/// proxy in front of the API still yields what it has.
public struct APIErrorBody: Sendable, Hashable, Codable {
    public var error: Detail

    public init(error: Detail) {
        self.error = error
    }

    public init(code: Int, message: String, type: String, param: String? = nil,
                fallbackSuggestion: String? = nil) {
        error = Detail(code: code, message: message, type: type, param: param,
                       fallbackSuggestion: fallbackSuggestion)
    }

    public struct Detail: Sendable, Hashable, Codable {
        /// The HTTP status code, repeated in the body.
        public var code: Int?
        public var message: String?
        /// `invalid_request_error`, `authentication_error`, `rate_limit_error`, ...
        public var type: String?
        /// The request field at fault, when there is one.
        public var param: String?
        /// What to try instead, when the API has a suggestion.
        public var fallbackSuggestion: String?

        public init(code: Int? = nil, message: String? = nil, type: String? = nil,
                    param: String? = nil, fallbackSuggestion: String? = nil) {
            self.code = code
            self.message = message
            self.type = type
            self.param = param
            self.fallbackSuggestion = fallbackSuggestion
        }

        enum CodingKeys: String, CodingKey {
            case code, message, type, param
            case fallbackSuggestion = "fallback_suggestion"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            code = (try? container.decodeIfPresent(Int.self, forKey: .code)) ?? nil
            message = (try? container.decodeIfPresent(String.self, forKey: .message)) ?? nil
            type = (try? container.decodeIfPresent(String.self, forKey: .type)) ?? nil
            param = (try? container.decodeIfPresent(String.self, forKey: .param)) ?? nil
            fallbackSuggestion = (try? container.decodeIfPresent(String.self, forKey: .fallbackSuggestion)) ?? nil
        }
    }
}
