import Testing
import VideoAPI

@Suite("Task ids are safe file names")
struct TaskIDTests {
    @Test("letters, digits, - and _ are allowed, 1 to 128 of them")
    func acceptedIDs() throws {
        #expect(try TaskID(validating: "task-unified-1761313744-vux2jw0k").rawValue == "task-unified-1761313744-vux2jw0k")
        #expect(TaskID("a") != nil)
        #expect(TaskID(String(repeating: "Z", count: 128)) != nil)
    }

    @Test("each failure says what is wrong")
    func failures() {
        #expect(throws: TaskID.Invalid.empty) { try TaskID(validating: "") }
        #expect(throws: TaskID.Invalid.tooLong(length: 129)) {
            try TaskID(validating: String(repeating: "a", count: 129))
        }
        #expect(throws: TaskID.Invalid.forbiddenCharacter("/", offset: 1)) { try TaskID(validating: "a/b") }
        #expect(throws: TaskID.Invalid.forbiddenCharacter(".", offset: 0)) { try TaskID(validating: "..") }
        #expect(TaskID.Invalid.forbiddenCharacter("\u{7}", offset: 0).description.contains("U+0007"))
    }
}
