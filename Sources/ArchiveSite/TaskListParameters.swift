import HTTP
import Ledger
import VideoAPI

/// `GET /api/v1/tasks`'s query (`status`, `day`, `q`, `limit`, `cursor`) read into a
/// ``Ledger/TaskListQuery``, or the 400 that says which parameter is wrong and why.
enum TaskListParameters {
    static let names: Set<String> = ["status", "day", "q", "limit", "cursor"]

    /// - Parameter emptyMeansUnset: an empty `status` or `day` is no filter, as a page's
    ///   form sends its "any" choice; the API refuses it (400), as its schema says.
    static func query(target: String, emptyMeansUnset: Bool = false) -> Result<TaskListQuery, APIProblem> {
        let query = QueryString(target: target)
        guard query.pairs.count <= QueryString.maxPairs else {
            return .failure(APIProblem(400, "at most \(QueryString.maxPairs) query parameters", param: nil))
        }
        var seen: Set<String> = []
        for name in query.names {
            guard names.contains(name) else {
                return .failure(APIProblem(400, "unknown query parameter '\(name)'; known: \(names.sorted().joined(separator: ", "))",
                                           param: name))
            }
            guard seen.insert(name).inserted else {
                return .failure(APIProblem(400, "'\(name)' is given more than once", param: name))
            }
        }
        func value(_ name: String) -> Result<String?, APIProblem> {
            guard let first = query.values(name).first else { return .success(nil) }
            guard let text = first else { return .failure(APIProblem(400, "'\(name)' is not valid percent-encoded UTF-8", param: name)) }
            return .success(text)
        }
        var result = TaskListQuery()
        do throws(APIProblem) {
            if let text = try value("status").get(), !(text.isEmpty && emptyMeansUnset) {
                guard let status = TaskStatus(rawValue: text) else {
                    throw APIProblem(400, "status must be one of \(TaskStatus.allCases.map(\.rawValue).joined(separator: ", "))",
                                     param: "status")
                }
                result.status = status
            }
            if let text = try value("day").get(), !(text.isEmpty && emptyMeansUnset) {
                guard let day = UTCDay(text) else {
                    throw APIProblem(400, "day must be a date in UTC as YYYY-MM-DD, from 1970-01-01", param: "day")
                }
                result.day = day
            }
            if let text = try value("q").get(), !text.isEmpty {
                guard text.count <= TaskListQuery.maxSearchLength else {
                    throw APIProblem(400, "q is at most \(TaskListQuery.maxSearchLength) characters", param: "q")
                }
                result.search = text
            }
            if let text = try value("limit").get() {
                guard let limit = Int(text), (1...TaskListQuery.maxLimit).contains(limit) else {
                    throw APIProblem(400, "limit must be a whole number from 1 to \(TaskListQuery.maxLimit)", param: "limit")
                }
                result.limit = limit
            }
            if let text = try value("cursor").get() {
                guard let cursor = TaskListCursor(token: text) else {
                    throw APIProblem(400, "cursor is not one this API gave (pass next_cursor back as it came)", param: "cursor")
                }
                result.after = cursor
            }
        } catch {
            return .failure(error)
        }
        return .success(result)
    }
}

/// A request the API refuses, in its error shape.
struct APIProblem: Error, Equatable {
    var status: Int
    var message: String
    var param: String?

    init(_ status: Int, _ message: String, param: String?) {
        self.status = status
        self.message = message
        self.param = param
    }

    var response: HTTPResponse { .apiError(status: status, message: message, param: param) }
}
