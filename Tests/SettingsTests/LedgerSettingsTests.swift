import Testing
@testable import Settings
import TestSupport

@Suite("Settings: ledger.url and ledger.password_file (a shared PostgreSQL ledger)")
struct LedgerSettingsTests {
    let folder = TemporaryDirectory()

    @Test("without ledger.url the ledger is SQLite in state_dir, and the summary says so")
    func sqliteByDefault() throws {
        let settings = try Settings.load(file: nil, environment: ["VIDEOHOOKD_STATE_DIR": "/var/lib/vh"])
        #expect(settings.ledger == nil)
        #expect(settings.summaryLines.contains("ledger.url = (none: SQLite, ledger.sqlite in state_dir)"))
    }

    @Test("a URL in the file, the password read from its file without the line break")
    func urlAndPasswordFile() throws {
        let passwordFile = try folder.write("pg-password", "s3cr et:with@signs\n")
        let settings = try load(yaml: """
            ledger:
              url: postgresql://videohookd@db.example.com:5432/videohookd?sslmode=verify-full
              password_file: \(passwordFile)
            """, in: folder)
        let ledger = try #require(settings.ledger)
        #expect(ledger.url == "postgresql://videohookd@db.example.com:5432/videohookd?sslmode=verify-full")
        #expect(ledger.password == Secret("s3cr et:with@signs"))
        #expect(ledger.passwordFile == passwordFile)
        #expect(!settings.summaryLines.joined().contains("s3cr et"), "the summary never shows the password")
        #expect(settings.summaryLines.contains("ledger.password_file = \(passwordFile)"))
    }

    @Test("VIDEOHOOKD_LEDGER_URL overrides the file; postgres:// and a socket folder are libpq's too")
    func environmentOverride() throws {
        let settings = try load(yaml: "ledger:\n  url: postgresql://a@b/c\n",
                                environment: ["VIDEOHOOKD_LEDGER_URL": "postgres:///videohookd?host=/run/postgresql"],
                                in: folder)
        #expect(settings.ledger?.url == "postgres:///videohookd?host=/run/postgresql")
        #expect(settings.ledger?.password == nil)
    }

    @Test("a password in the URL is refused, and the message does not repeat it")
    func passwordInURL() {
        for url in ["postgresql://vh:hunter2@db/vh", "postgresql://vh@db/vh?password=hunter2"] {
            let found = problems(environment: ["VIDEOHOOKD_LEDGER_URL": url])
            #expect(found.count == 1)
            #expect(found.first?.key == "ledger.url")
            #expect(found.first?.message.contains("ledger.password_file") == true)
            #expect(!found.description.contains("hunter2"))
        }
    }

    @Test("another scheme, or no URL at all, is a problem that shows the form expected")
    func wrongScheme() {
        let https = problems(environment: ["VIDEOHOOKD_LEDGER_URL": "https://db.example.com/vh"])
        #expect(https.first?.message.contains("the scheme must be postgresql") == true)
        let garbage = problems(environment: ["VIDEOHOOKD_LEDGER_URL": "not a url at all"])
        #expect(garbage.first?.key == "ledger.url")
        #expect(garbage.first?.message.contains("postgresql://") == true)
    }

    @Test("a password file that is missing, empty or two lines is a problem naming the file")
    func badPasswordFile() throws {
        let url = ["VIDEOHOOKD_LEDGER_URL": "postgresql://vh@db/vh"]
        let missing = problems(environment: url.merging(["VIDEOHOOKD_LEDGER_PASSWORD_FILE": folder.path + "/nope"]) { $1 })
        #expect(missing.first?.key == "ledger.password_file" && missing.first?.message.contains("cannot read") == true)
        let empty = try folder.write("empty", "\n")
        #expect(problems(environment: url.merging(["VIDEOHOOKD_LEDGER_PASSWORD_FILE": empty]) { $1 })
            .first?.message.contains("is empty") == true)
        let twoLines = try folder.write("two", "first\nsecond\n")
        let found = problems(environment: url.merging(["VIDEOHOOKD_LEDGER_PASSWORD_FILE": twoLines]) { $1 })
        #expect(found.first?.message.contains("one line") == true)
        #expect(!found.description.contains("second"))
    }

    @Test("a password file without a URL does nothing, and a warning says so")
    func passwordFileAlone() throws {
        let file = try folder.write("pw", "x\n")
        let settings = try Settings.load(file: nil, environment: ["VIDEOHOOKD_LEDGER_PASSWORD_FILE": file])
        #expect(settings.ledger == nil)
        #expect(settings.warnings.contains { $0.contains("ledger.password_file") && $0.contains("does nothing") })
    }

    @Test("SIGHUP does not switch ledgers: both keys need a restart and keep their running value")
    func needsRestart() throws {
        #expect(!SettingsKey.ledgerURL.isLive && !SettingsKey.ledgerPasswordFile.isLive)
        let running = try Settings.load(file: nil, environment: ["VIDEOHOOKD_LEDGER_URL": "postgresql://vh@a/vh"])
        let new = try Settings.load(file: nil, environment: ["VIDEOHOOKD_LEDGER_URL": "postgresql://vh@b/vh"])
        #expect(new.keepingRunningValues(of: [.ledgerURL], from: running).ledger?.url == "postgresql://vh@a/vh")
    }
}
