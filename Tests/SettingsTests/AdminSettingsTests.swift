import Foundation
import Testing
import Settings
import TestSupport

@Suite("admin.token: required off loopback, never repeated")
struct AdminSettingsTests {
    let folder = TemporaryDirectory(prefix: "videohookd-admin-settings")

    private func problems(_ environment: [String: String]) -> [SettingsProblem] {
        do {
            _ = try Settings.load(file: nil, environment: environment)
            return []
        } catch {
            return error.problems
        }
    }

    @Test("a non-loopback admin_listen without a token is refused, saying what to set")
    func requiredOffLoopback() {
        let found = problems(["VIDEOHOOKD_ADMIN_LISTEN": "0.0.0.0:9090"])
        #expect(found.count == 1)
        #expect(found.first?.key == "admin_listen")
        let message = found.first?.message ?? ""
        #expect(message.contains("admin.token") && message.contains("admin.token_file")
                && message.contains("VIDEOHOOKD_ADMIN_TOKEN"), "\(message)")
    }

    @Test("loopback listeners need no token", arguments: ["127.0.0.1:9090", "127.0.0.2:0", "localhost:9090", "[::1]:9090"])
    func loopbackNeedsNone(address: String) throws {
        let settings = try Settings.load(file: nil, environment: ["VIDEOHOOKD_ADMIN_LISTEN": address])
        #expect(settings.admin.token == nil)
    }

    @Test("a token of 16 characters is taken; 15 is refused without repeating it")
    func length() throws {
        let settings = try Settings.load(file: nil, environment: ["VIDEOHOOKD_ADMIN_LISTEN": "0.0.0.0:9090",
                                                                  "VIDEOHOOKD_ADMIN_TOKEN": "0123456789abcdef"])
        #expect(settings.admin.token?.value == "0123456789abcdef")
        let found = problems(["VIDEOHOOKD_ADMIN_TOKEN": "0123456789abcde"])
        #expect(found.first?.key == "admin.token")
        #expect(found.first?.message.contains("0123456789abcde") == false)
        #expect(found.first?.message.contains("16") == true)
    }

    @Test("a token of 4096 characters is taken; 4097 is refused")
    func longest() throws {
        let longest = String(repeating: "t", count: 4096)
        let settings = try Settings.load(file: nil, environment: ["VIDEOHOOKD_ADMIN_TOKEN": longest])
        #expect(settings.admin.token?.value == longest)
        #expect(problems(["VIDEOHOOKD_ADMIN_TOKEN": longest + "t"]).first?.key == "admin.token")
    }

    @Test("the token and its file together are refused; a file's token is read and trimmed")
    func fileForm() throws {
        let file = try folder.write("admin-token", "token-from-the-file-0123\n")
        let settings = try Settings.load(file: nil, environment: ["VIDEOHOOKD_ADMIN_LISTEN": "10.0.0.11:9090",
                                                                  "VIDEOHOOKD_ADMIN_TOKEN_FILE": file])
        #expect(settings.admin.token?.value == "token-from-the-file-0123")
        #expect(settings.admin.tokenFile == file)
        let both = problems(["VIDEOHOOKD_ADMIN_TOKEN": "token-in-place-0123456", "VIDEOHOOKD_ADMIN_TOKEN_FILE": file])
        #expect(both.first?.key == "admin.token_file")
        #expect(!both.contains { $0.message.contains("token-in-place") })
    }

    @Test("the summary shows the token as set, never its value")
    func summaryHidesToken() throws {
        let settings = try Settings.load(file: nil, environment: ["VIDEOHOOKD_ADMIN_TOKEN": "never-print-this-token"])
        let line = try #require(settings.summaryLines.first { $0.hasPrefix("admin.token = ") })
        #expect(line == "admin.token = (set)")
        #expect(!settings.description.contains("never-print-this-token"))
    }
}
