import HTTP

/// The fields of an `application/x-www-form-urlencoded` body (a page's form); none for
/// any other body. A name given twice keeps its first value.
enum FormBody {
    static func fields(of request: HTTPRequest) -> [String: String] {
        guard let type = request.head.headers["Content-Type"],
              type.lowercased().hasPrefix("application/x-www-form-urlencoded") else { return [:] }
        let query = QueryString(Substring(decoding: request.body, as: UTF8.self))
        var fields: [String: String] = [:]
        for (name, value) in query.pairs where fields[name] == nil {
            if let value { fields[name] = value }
        }
        return fields
    }
}
