/// The `error` of a failed task: `{"code": "content_policy_violation", "message": "..."}`.
/// Callbacks send a string code; the API's own errors send an integer, so both decode.
public struct TaskError: Sendable, Hashable {
    public var code: Code?
    public var message: String?

    public init(code: Code?, message: String?) {
        self.code = code
        self.message = message
    }

    /// Reads what it can and ignores the rest: a code of another type reads as nil.
    public init(json object: [String: JSONValue]) {
        if case .string(let value)? = object["code"] {
            code = .string(value)
        } else if let value = object["code"]?.int64Value {
            code = .integer(value)
        } else {
            code = nil
        }
        message = object["message"]?.stringValue
    }

    public enum Code: Sendable, Hashable, CustomStringConvertible {
        case string(String)
        case integer(Int64)

        /// The code as stored and shown: the string itself, or the integer in decimal.
        public var description: String {
            switch self {
            case .string(let value): value
            case .integer(let value): String(value)
            }
        }
    }
}

extension TaskError: Decodable {
    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        guard let object = value.objectValue else {
            throw DecodingError.typeMismatch(
                TaskError.self,
                .init(codingPath: decoder.codingPath,
                      debugDescription: "error is \(value.typeName), not an object"))
        }
        self.init(json: object)
    }
}
