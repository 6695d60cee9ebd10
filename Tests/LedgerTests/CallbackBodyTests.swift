import Foundation
import Testing
@testable import VideoAPI

@Suite("Callback bodies are sorted into tasks, unrecognized and hostile bodies")
struct CallbackBodyTests {
    private func classify(_ text: String) -> DecodedCallback {
        CallbackBody.classify(Data(text.utf8))
    }

    private func unrecognizedReason(_ text: String) -> String? {
        if case .unrecognized(let reason) = classify(text) { return reason }
        return nil
    }

    private func hostile(_ text: String) -> (reason: String, param: String)? {
        if case .hostile(let reason, let param) = classify(text) { return (reason, param) }
        return nil
    }

    @Test("every example body decodes as the task it describes", arguments: [
        (Fixture.processing, TaskStatus.processing, 0),
        (.completed, .completed, 1),
        (.completedExtraFields, .completed, 2),
        (.failed, .failed, 0),
        (.cancelled, .cancelled, 0),
    ])
    func fixturesDecode(fixture: Fixture, status: TaskStatus, resultCount: Int) throws {
        let task = try fixture.task
        #expect(task.status == status)
        #expect(task.results.count == resultCount)
        #expect(task.id.rawValue.hasPrefix("task-unified-"))
        #expect(task.rawBody == (try fixture.data))
        #expect(task.object.model == "seedance-1.5-pro")
    }

    @Test("unknown keys are ignored and the known ones read, loose parts kept")
    func extraFieldsAreIgnored() throws {
        let task = try Fixture.completedExtraFields.task
        #expect(task.videoURL == "https://media.example.com/v/zz99yy88.mp4?X-Expires=86400&sig=abc")
        #expect(task.object.created == 1_761_314_000)
        #expect(task.object.progress == 100)
        #expect(task.object.usage?.objectValue?["credits_used"] == .integer(5))
        #expect(task.object.taskInfo?.objectValue?["video_duration"] == .integer(5))
    }

    @Test("a failed task's string error code and message are read")
    func failedErrorIsRead() throws {
        let task = try Fixture.failed.task
        #expect(task.object.error?.code == .string("content_policy_violation"))
        #expect(task.object.error?.message?.hasPrefix("Content policy violation.\n") == true)
    }

    @Test("an integer error code, as the API's own errors carry, is read too")
    func integerErrorCode() throws {
        let body = #"{"id":"t1","status":"failed","error":{"code":500,"message":"boom"}}"#
        guard case .task(let task) = classify(body) else {
            Issue.record("expected a task")
            return
        }
        #expect(task.object.error?.code == .integer(500))
        #expect(task.object.error?.code?.description == "500")
    }

    @Test("optional fields may be null or of another type without failing the body")
    func lenientFields() throws {
        let body = #"{"id":"t1","status":"processing","progress":"forty","created":null,"model":7,"task_info":null,"usage":[1],"error":"x"}"#
        guard case .task(let task) = classify(body) else {
            Issue.record("expected a task")
            return
        }
        #expect(task.object.progress == nil)
        #expect(task.object.created == nil)
        #expect(task.object.model == nil)
        #expect(task.object.taskInfo == nil)
        #expect(task.object.usage == .array([.integer(1)]))
        #expect(task.object.error == nil)
    }

    @Test("a body that is not JSON is hostile, param body", arguments: [
        "", "   ", "{", "not json", #"{"id": "t1", "status": }"#, "\u{FF}\u{FE}",
    ])
    func malformedJSONIsHostile(text: String) {
        let verdict = hostile(text)
        #expect(verdict?.param == "body")
        #expect(verdict?.reason.contains("JSON") == true || verdict?.reason.contains("empty") == true)
    }

    @Test("JSON that is not an object is hostile, param body", arguments: [
        #"[{"id":"t1","status":"completed"}]"#, "42", #""task""#, "null", "true",
    ])
    func nonObjectIsHostile(text: String) {
        let verdict = hostile(text)
        #expect(verdict?.param == "body")
        #expect(verdict?.reason.contains("not an object") == true)
    }

    @Test("an id that is not safe as a file name is hostile, param id", arguments: [
        "../etc/passwd", "a/b", "..", ".hidden", "task id", "", "tâche", "t\u{0}x", "t\n1",
        String(repeating: "a", count: TaskID.maxLength + 1),
    ])
    func unsafeIDIsHostile(id: String) throws {
        let body = TaskBody.json(id: id, status: "completed", results: ["https://cdn.example.com/v.mp4"])
        guard case .hostile(let reason, let param) = CallbackBody.classify(body) else {
            Issue.record("id \(id.debugDescription) was not refused")
            return
        }
        #expect(param == "id")
        #expect(reason.contains("task id"))
    }

    @Test("an unsafe id is refused even when the rest of the body is unknown")
    func unsafeIDWinsOverUnknownStatus() {
        #expect(hostile(#"{"id":"../x","status":"exploded"}"#)?.param == "id")
    }

    @Test("the longest safe id (128 characters) is accepted, any safe format too")
    func longestSafeID() throws {
        for id in [String(repeating: "a", count: TaskID.maxLength), "X", "my_own-ID-42"] {
            let body = TaskBody.json(id: id, status: "processing")
            guard case .task(let task) = CallbackBody.classify(body) else {
                Issue.record("id \(id) was refused")
                continue
            }
            #expect(task.id.rawValue == id)
        }
    }

    @Test("a result that is not an http(s) URL is hostile, param results", arguments: [
        "file:///etc/passwd", "javascript:alert(1)", "/videos/x.mp4", "https://", "ftp://cdn.example.com/x.mp4",
        "https://cdn.example.com/x.mp4\r\nX-Evil: 1", "https://cdn.example.com/a b.mp4",
        // DEL, a C1 control, and whitespace outside ASCII (no-break and em space).
        "https://cdn.example.com/a\u{7F}.mp4", "https://cdn.example.com/a\u{85}.mp4",
        "https://cdn.example.com/a\u{A0}.mp4", "https://cdn.example.com/a\u{2003}.mp4",
        "https://cdn.example.com/" + String(repeating: "a", count: CallbackBody.maxResultURLLength),
    ])
    func badResultURLIsHostile(url: String) {
        let body = TaskBody.json(id: "t1", status: "completed", results: ["https://ok.example.com/v.mp4", url])
        guard case .hostile(let reason, let param) = CallbackBody.classify(body) else {
            Issue.record("result \(url.prefix(60).debugDescription) was accepted")
            return
        }
        #expect(param == "results")
        #expect(reason.hasPrefix("results[1]"))
    }

    @Test("a space or control character in a result URL is named, ASCII or not", arguments: [
        ("https://cdn.example.com/a b.mp4", "U+20"), ("https://cdn.example.com/a\u{7F}.mp4", "U+7F"),
        ("https://cdn.example.com/a\u{85}.mp4", "U+85"), ("https://cdn.example.com/a\u{A0}.mp4", "U+A0"),
        ("https://cdn.example.com/a\u{2003}.mp4", "U+2003"),
    ])
    func spaceInResultURLIsNamed(url: String, code: String) {
        #expect(CallbackBody.resultURLProblem(url) == "contains whitespace or a control character (\(code))")
        #expect(CallbackBody.resultURLProblem("https://cdn.example.com/café.mp4")?.contains("whitespace") != true)
    }

    @Test("a result URL of exactly the longest length is accepted")
    func longestResultURL() {
        let prefix = "https://cdn.example.com/"
        let url = prefix + String(repeating: "a", count: CallbackBody.maxResultURLLength - prefix.count)
        let body = TaskBody.json(id: "t1", status: "completed", results: [url])
        guard case .task(let task) = CallbackBody.classify(body) else {
            Issue.record("a URL of the maximum length was refused")
            return
        }
        #expect(task.videoURL == url)
    }

    @Test("no id, or an id that is not a string, is unrecognized")
    func missingIDIsUnrecognized() {
        #expect(unrecognizedReason(#"{"status":"completed","results":["https://a.example.com/v.mp4"]}"#)?.contains("no task id") == true)
        #expect(unrecognizedReason(#"{"id":null,"status":"completed"}"#)?.contains("no task id") == true)
        #expect(unrecognizedReason(#"{"id":42,"status":"completed"}"#)?.contains("a number, not a string") == true)
        #expect(unrecognizedReason("{}") != nil)
    }

    @Test("a missing, unknown or non-string status is unrecognized")
    func unknownStatusIsUnrecognized() {
        #expect(unrecognizedReason(#"{"id":"t1"}"#)?.contains("no status") == true)
        #expect(unrecognizedReason(#"{"id":"t1","status":42}"#)?.contains("a number, not a string") == true)
        #expect(unrecognizedReason(#"{"id":"t1","status":"exploded"}"#)?.contains(#"unknown status "exploded""#) == true)
        #expect(unrecognizedReason(#"{"id":"t1","status":"COMPLETED"}"#) != nil)
    }

    @Test("an unknown status is echoed cut and with control characters escaped")
    func echoedStatusIsBounded() throws {
        let status = String(repeating: "x", count: 500) + "\u{1B}[31m"
        let body = TaskBody.json(id: "t1", status: "\u{1B}[2J" + status)
        guard case .unrecognized(let reason) = CallbackBody.classify(body) else {
            Issue.record("expected unrecognized")
            return
        }
        #expect(!reason.unicodeScalars.contains { $0.value < 0x20 })
        #expect(reason.count < 200)
    }

    @Test("results of another shape are unrecognized")
    func resultsOfAnotherShape() {
        #expect(unrecognizedReason(#"{"id":"t1","status":"completed","results":"https://a.example.com/v.mp4"}"#)?.contains("not an array") == true)
        #expect(unrecognizedReason(#"{"id":"t1","status":"completed","results":[{"url":"https://a.example.com/v.mp4"}]}"#)?.contains("results[0]") == true)
    }

    @Test("a completed task with no result URL is unrecognized: nothing to download")
    func completedWithoutResults() {
        #expect(unrecognizedReason(#"{"id":"t1","status":"completed"}"#)?.contains("no result URL") == true)
        #expect(unrecognizedReason(#"{"id":"t1","status":"completed","results":[]}"#)?.contains("no result URL") == true)
        #expect(unrecognizedReason(#"{"id":"t1","status":"completed","results":null}"#)?.contains("no result URL") == true)
    }

    @Test("TaskObject decodes with JSONDecoder leniently and refuses only a non-object")
    func taskObjectDecodable() throws {
        let object = try JSONDecoder().decode(TaskObject.self, from: try Fixture.completed.data)
        #expect(object.taskStatus == .completed)
        #expect(object.results?.count == 1)
        #expect(throws: DecodingError.self) {
            _ = try JSONDecoder().decode(TaskObject.self, from: Data("[1]".utf8))
        }
    }
}
