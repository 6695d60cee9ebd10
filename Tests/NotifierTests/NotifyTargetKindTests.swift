import Testing
import Notifier

@Suite("Notify target kinds")
struct NotifyTargetKindTests {
    @Test("a target kind is stored by its name")
    func names() {
        #expect(NotifyTargetKind(rawValue: "webhook") == .webhook)
        #expect(NotifyTargetKind.command.rawValue == "command")
        #expect(NotifyTargetKind(rawValue: "email") == nil)
    }
}
