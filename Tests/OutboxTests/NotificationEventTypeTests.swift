import Testing
import Outbox

@Suite("Notification event types")
struct NotificationEventTypeTests {
    @Test("the names are the contract's, in its order")
    func names() {
        #expect(NotificationEventType.allNames == ["task.completed", "video.archived", "task.failed", "download.failed"])
        #expect(NotificationEventType(rawValue: "video.archived") == .videoArchived)
        #expect(NotificationEventType(rawValue: "video.ready") == nil)
        #expect(NotificationEventType.taskCompleted < .downloadFailed)
    }
}
