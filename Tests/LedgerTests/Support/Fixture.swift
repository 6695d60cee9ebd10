import Foundation
import Testing
import VideoAPI

/// The example callback bodies of shared/examples/callbacks.
enum Fixture: String, CaseIterable {
    case processing
    case completed
    case completedExtraFields = "completed-extra-fields"
    case failed
    case cancelled

    var data: Data {
        get throws {
            let url = try #require(Bundle.module.url(forResource: rawValue, withExtension: "json",
                                                     subdirectory: "Fixtures"),
                                   "fixture \(rawValue).json is missing from the test bundle")
            return try Data(contentsOf: url)
        }
    }

    var task: ValidatedTask {
        get throws {
            let decoded = CallbackBody.classify(try data)
            guard case .task(let task) = decoded else {
                Issue.record("fixture \(rawValue) did not decode as a task: \(decoded)")
                throw FixtureError.notATask
            }
            return task
        }
    }

    enum FixtureError: Error { case notATask }
}
