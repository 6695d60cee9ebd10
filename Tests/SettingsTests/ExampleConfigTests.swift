import Foundation
import Testing
@testable import Settings
import TestSupport

@Suite("The example config in config/")
struct ExampleConfigTests {
    static let examplePath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config/videohookd.yaml").path

    @Test("loads cleanly and states the defaults")
    func loadsCleanly() throws {
        let settings = try Settings.load(file: Self.examplePath, environment: [:])
        #expect(settings == Settings())
    }

    @Test("mentions every key, set or commented out")
    func mentionsEveryKey() throws {
        let text = try String(contentsOfFile: Self.examplePath, encoding: .utf8)
        for key in SettingsKey.allCases {
            let leaf = key.rawValue.split(separator: ".").last!
            #expect(text.contains("\(leaf):"), "\(key.rawValue) missing from the example")
        }
    }

    @Test("with every commented-out key enabled, still loads")
    func commentedKeysAreValid() throws {
        let folder = TemporaryDirectory()
        var text = try String(contentsOfFile: Self.examplePath, encoding: .utf8)
        // Uncomment lines of the form "  # key: value", keeping their indentation, and
        // point file paths at real files.
        let pem = try folder.write("file.pem", "X")
        let adminToken = try folder.write("admin-token", "an-admin-token-0123456789\n")
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let match = line.wholeMatch(of: #/( *)# ([a-z_]+): (\S+)/#)
            guard let match, SettingsKey.allCases.contains(where: { $0.rawValue.hasSuffix(String(match.2)) }) else {
                lines.append(String(line))
                continue
            }
            var value = String(match.3)
            if ["cert_file", "key_file", "ca_file", "secret_access_key_file", "password_file"].contains(match.2) { value = pem }
            if match.2 == "token_file" { value = adminToken }
            // key and key_file are exclusive, as are the two forms of the S3 secret and of
            // the admin token (indented, under admin:): keep the files.
            if match.2 == "key" || match.2 == "secret_access_key" || (match.2 == "token" && !match.1.isEmpty) { continue }
            if match.2 == "token" { value = "0123456789abcdef0123456789" }
            lines.append("\(match.1)\(match.2): \(value)")
        }
        text = lines.joined(separator: "\n")
        let settings = try load(yaml: text, in: folder)
        #expect(settings.publicURL == "https://hooks.example.com:8443")
        #expect(settings.tls.certFile == pem)
        #expect(settings.api.key?.value == "X")
        let s3 = try #require(settings.s3)
        #expect(s3.bucket == "videos" && s3.endpoint == "http://127.0.0.1:9000" && s3.prefix == "videohookd/")
        #expect(s3.credentials.secretAccessKey.value == "X" && s3.credentials.secretAccessKeyFile == pem)
        #expect(s3.storageClass == "STANDARD_IA" && s3.caFile == pem)
        let ledger = try #require(settings.ledger)
        #expect(ledger.url == "postgresql://videohookd@db.example.com:5432/videohookd?sslmode=verify-full")
        #expect(ledger.password?.value == "X" && ledger.passwordFile == pem)
        #expect(settings.admin.token?.value == "an-admin-token-0123456789" && settings.admin.tokenFile == adminToken)
        #expect(settings.warnings.isEmpty, "\(settings.warnings)")
    }
}
