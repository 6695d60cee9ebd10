import Testing
@testable import Settings
import TestSupport

@Suite("Settings: folders from systemd and state_dir")
struct DirectoryDefaultsTests {
    let folder = TemporaryDirectory()

    @Test("STATE_DIRECTORY sets the state folder, its first entry when colon-separated")
    func stateDirectory() throws {
        let settings = try Settings.load(file: nil, environment: ["STATE_DIRECTORY": "/var/lib/videohookd:/var/lib/other"])
        #expect(settings.stateDirectory == "/var/lib/videohookd")
        #expect(settings.archiveDirectory == "/var/lib/videohookd/archive")
        #expect(settings.logFile == "/var/lib/videohookd/videohookd.log")
    }

    @Test("LOGS_DIRECTORY sets the log file's folder")
    func logsDirectory() throws {
        let settings = try Settings.load(file: nil, environment: [
            "STATE_DIRECTORY": "/var/lib/videohookd", "LOGS_DIRECTORY": "/var/log/videohookd",
        ])
        #expect(settings.logFile == "/var/log/videohookd/videohookd.log")
        #expect(settings.stateDirectory == "/var/lib/videohookd")
    }

    @Test("state_dir from the file wins over STATE_DIRECTORY and moves the derived folders")
    func stateDirFromFile() throws {
        let settings = try load(yaml: "state_dir: /srv/vh\n", environment: ["STATE_DIRECTORY": "/var/lib/videohookd"],
                                in: folder)
        #expect(settings.stateDirectory == "/srv/vh")
        #expect(settings.archiveDirectory == "/srv/vh/archive")
        #expect(settings.logFile == "/srv/vh/videohookd.log")
    }

    @Test("With LOGS_DIRECTORY, a state_dir of its own leaves the log where systemd put it")
    func stateDirKeepsLogsDirectory() throws {
        let settings = try load(yaml: "state_dir: /srv/vh\n", environment: ["LOGS_DIRECTORY": "/var/log/vh"], in: folder)
        #expect(settings.logFile == "/var/log/vh/videohookd.log")
    }

    @Test("archive_dir and log_file set explicitly are kept whatever state_dir is")
    func explicitFoldersKept() throws {
        let settings = try load(yaml: "archive_dir: /data\nlog_file: /l.log\nstate_dir: /srv\n", in: folder)
        #expect(settings.archiveDirectory == "/data")
        #expect(settings.logFile == "/l.log")
    }

    @Test("Empty STATE_DIRECTORY falls back to ./videohookd-state")
    func emptyStateDirectory() throws {
        let settings = try Settings.load(file: nil, environment: ["STATE_DIRECTORY": "", "LOGS_DIRECTORY": ""])
        #expect(settings.stateDirectory == "./videohookd-state")
        #expect(settings.logFile == "./videohookd-state/videohookd.log")
    }
}
