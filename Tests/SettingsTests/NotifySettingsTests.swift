import Foundation
import Outbox
import Testing
@testable import Settings
import TestSupport

@Suite("Settings: notify")
struct NotifySettingsTests {
    let folder = TemporaryDirectory()
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    func load(_ yaml: String) throws -> Settings {
        try Settings.load(file: try folder.write("c.yaml", yaml), environment: [:])
    }

    func problems(_ yaml: String) -> String {
        do {
            _ = try load(yaml)
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test("webhooks and commands as the design writes them, with rotation, a secret file and defaults")
    func fullSection() throws {
        let secretFile = try folder.write("secret", "\(Self.secret)\nwhsec_\(Data(repeating: 7, count: 32).base64EncodedString())\n")
        let settings = try load("""
            notify:
              webhooks:
                - url: https://app.internal.example/hooks/videos
                  secret_file: \(secretFile)
                  events: [video.archived, task.failed]
                - url: http://127.0.0.1:9000/h
                  secret: [\(Self.secret)]
              commands:
                - run: ["/bin/true", "--archive"]
                  events: [video.archived]
                  timeout: 5m
              concurrency: 2
              timeout: 3s
              retry_delays: [1s, 2m]
            """)
        #expect(settings.notify.webhooks.count == 2)
        #expect(settings.notify.webhooks[0].secrets.count == 2 && settings.notify.webhooks[0].secretFile == secretFile)
        #expect(settings.notify.webhooks[0].events == [.videoArchived, .taskFailed])
        #expect(settings.notify.webhooks[1].events == NotificationEventType.allCases)
        #expect(settings.notify.commands == [CommandTargetSettings(run: ["/bin/true", "--archive"], events: [.videoArchived],
                                                                   timeout: .seconds(300))])
        #expect(settings.notify.concurrency == 2 && settings.notify.timeout == .seconds(3))
        #expect(settings.notify.retryDelays == [.seconds(1), .seconds(120)])
        #expect(settings.warnings.isEmpty)
        // The summary never shows a secret.
        #expect(!settings.summaryLines.joined().contains("MfKQ9r8"))
    }

    @Test("each wrong entry is named with what to do, and no secret is repeated")
    func problemsAreClear() {
        let wrongSecret = "whsec_c2hvcnQ="
        let cases: [(String, String)] = [
            ("notify:\n  webhooks:\n    - url: ftp://x/h\n      secret: \(Self.secret)\n", "url must be an http or https URL"),
            ("notify:\n  webhooks:\n    - url: https://x/h\n", "set secret (whsec_...) or secret_file"),
            ("notify:\n  webhooks:\n    - url: https://x/h\n      secret: \(wrongSecret)\n", "secret 1 is not whsec_"),
            ("notify:\n  webhooks:\n    - url: https://x/h\n      secret: \(Self.secret)\n      events: [video.archive]\n",
             "did you mean video.archived?"),
            ("notify:\n  webhooks:\n    - url: https://x/h\n      secret: \(Self.secret)\n      secrte: x\n", "unknown key secrte"),
            ("notify:\n  webhooks:\n    - url: https://x/h\n      secret_file: /nonexistent/s\n", "cannot read secret_file /nonexistent/s"),
            ("notify:\n  commands:\n    - run: on-video --archive\n", "run must be a list, the program's absolute path first"),
            ("notify:\n  commands:\n    - run: [\"/bin/true\"]\n      timeout: forever\n", "timeout \"forever\" is not a duration"),
            ("notify:\n  concurrency: 0\n", "notify.concurrency"),
            ("notify:\n  retry_delays: [5s, soon]\n", "\"soon\" is not a positive duration"),
            ("notify:\n  webhooks: https://x/h\n", "expected a list of entries"),
        ]
        for (yaml, expected) in cases {
            let message = problems(yaml)
            #expect(message.contains(expected), "\(yaml) → \(message)")
            #expect(!message.contains("c2hvcnQ") && !message.contains("MfKQ9r8"), "a secret leaked: \(message)")
        }
    }

    @Test("check-config warns about plain http beyond loopback and a command that is not executable, without failing")
    func warnings() throws {
        let settings = try load("""
            notify:
              webhooks:
                - url: http://app.internal.example/h
                  secret: \(Self.secret)
              commands:
                - run: ["/nonexistent/on-video"]
            """)
        #expect(settings.warnings.count == 2)
        #expect(settings.warnings[0].contains("plain http to app.internal.example"))
        #expect(settings.warnings[1].contains("/nonexistent/on-video is not an executable file"))
    }

    @Test("a changed target or secret is a live change that replaces the targets")
    func reload() throws {
        let old = try load("notify:\n  webhooks:\n    - url: https://x/h\n      secret: \(Self.secret)\n")
        let rotated = try load("notify:\n  webhooks:\n    - url: https://x/h\n      secret: [\(Self.secret), whsec_\(Data(repeating: 1, count: 24).base64EncodedString())]\n")
        let changes = rotated.liveChanges(from: old)
        #expect(changes.applied == [.notifyWebhooks] && changes.needRestart.isEmpty)
        #expect(SettingsKey.notifyWebhooks.reloadEffect == .replaceNotifyTargets)
    }
}
