import Testing
@testable import Notifier

@Suite("Notification retry schedule")
struct RetryScheduleTests {
    let schedule = RetrySchedule(delays: [.seconds(5), .seconds(300), .seconds(1800)])

    @Test("the n-th failure waits the n-th delay, ±20%, and the schedule ends after the last")
    func delays() {
        let top: (ClosedRange<Double>) -> Double = { $0.upperBound }
        let bottom: (ClosedRange<Double>) -> Double = { $0.lowerBound }
        #expect(schedule.delay(afterAttempt: 1, random: top) == 6)
        #expect(schedule.delay(afterAttempt: 1, random: bottom) == 4)
        #expect(schedule.delay(afterAttempt: 3, random: { _ in 1 }) == 1800)
        #expect(schedule.delay(afterAttempt: 4) == nil)
        #expect(schedule.delay(afterAttempt: 0) == nil)
    }

    @Test("a receiver's Retry-After is the least wait, never shortened by the jitter")
    func retryAfter() {
        #expect(schedule.delay(afterAttempt: 1, retryAfter: 120, random: { $0.lowerBound }) == 120)
        #expect(schedule.delay(afterAttempt: 2, retryAfter: 1, random: { _ in 1 }) == 300)
        #expect(schedule.delay(afterAttempt: 4, retryAfter: 10) == nil, "Retry-After does not extend a spent schedule")
    }
}

@Suite("Command endpoint")
struct CommandEndpointTests {
    @Test("a filesystem archive's paths come from the body; an object's do not exist")
    func archivePaths() {
        let archived = Array(#"{"type":"video.archived","data":{"archive":{"path":"/a/t.mp4"},"sidecar":"/a/t.json"}}"#.utf8)
        #expect(CommandEndpoint.archivePaths(archived) == ("/a/t.mp4", "/a/t.json"))
        let object = Array(#"{"type":"video.archived","data":{"archive":{"bucket":"b","key":"k"}}}"#.utf8)
        #expect(CommandEndpoint.archivePaths(object) == (nil, nil))
        #expect(CommandEndpoint.archivePaths(Array("not json".utf8)) == (nil, nil))
    }

    @Test("the command gets the event's variables and none of the daemon's own settings")
    func environment() throws {
        let endpoint = CommandEndpoint(run: ["/usr/bin/env"], timeout: .seconds(5),
                                       baseEnvironment: ["PATH": "/usr/bin:/bin", "VIDEOHOOKD_API_KEY": "sk-secret",
                                                         "AWS_SECRET_ACCESS_KEY": "x"])
        let result = endpoint.deliver(eventID: "evt_1", type: "video.archived", taskID: "t1",
                                      body: Array(#"{"data":{"archive":{"path":"/a/t.mp4"},"sidecar":"/a/t.json"}}"#.utf8))
        #expect(result.delivered)
        let lines = Set((result.output ?? "").split(separator: "\n").map(String.init))
        #expect(lines == ["PATH=/usr/bin:/bin", "VIDEOHOOKD_EVENT_ID=evt_1", "VIDEOHOOKD_EVENT_TYPE=video.archived",
                          "VIDEOHOOKD_TASK_ID=t1", "VIDEOHOOKD_VIDEO_PATH=/a/t.mp4", "VIDEOHOOKD_SIDECAR_PATH=/a/t.json"])
    }
}
