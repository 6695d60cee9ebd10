import Testing
@testable import Settings
import TestSupport

@Suite("Settings: api.ca_file, api.accept_unknown_tasks, api.reconcile_grace")
struct APIOptionsTests {
    let folder = TemporaryDirectory()

    @Test("Defaults: no extra CA, unknown tasks accepted, two minutes of grace")
    func defaults() throws {
        let settings = try Settings.load(file: nil, environment: [:])
        #expect(settings.api.caFile == nil)
        #expect(settings.api.acceptUnknownTasks)
        #expect(settings.api.reconcileGrace == .seconds(120))
        #expect(settings.summaryLines.contains("api.accept_unknown_tasks = true"))
        #expect(settings.summaryLines.contains("api.reconcile_grace = 2m"))
        #expect(settings.summaryLines.contains("api.ca_file = (none)"))
    }

    @Test("Read from the api section of the file")
    func fromFile() throws {
        let ca = try folder.write("api-ca.pem", "CA")
        let settings = try load(yaml: "api:\n  ca_file: \(ca)\n  accept_unknown_tasks: no\n  reconcile_grace: 10m\n",
                                in: folder)
        #expect(settings.api.caFile == ca)
        #expect(!settings.api.acceptUnknownTasks)
        #expect(settings.api.reconcileGrace == .seconds(600))
    }

    @Test("A missing CA file, a word that is not a boolean, a grace past a day: each named with its line")
    func badValues() throws {
        let found = try problems(yaml: """
            api:
              ca_file: \(folder.path)/missing.pem
              accept_unknown_tasks: sometimes
              reconcile_grace: 2d
            """, in: folder)
        #expect(found.map(\.key) == ["api.ca_file", "api.accept_unknown_tasks", "api.reconcile_grace"])
        #expect(found.map(\.line) == [2, 3, 4])
        #expect(found[1].message.contains("expected true or false"))
    }

    @Test("None of them applies live: a reload keeps the running value until a restart")
    func needRestart() {
        for key in [SettingsKey.apiCAFile, .apiAcceptUnknownTasks, .apiReconcileGrace] {
            #expect(!key.isLive, "\(key)")
        }
        var changed = Settings()
        changed.api.acceptUnknownTasks = false
        #expect(changed.liveChanges(from: Settings()).needRestart == [.apiAcceptUnknownTasks])
    }
}
