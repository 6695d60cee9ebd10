import Testing
@testable import Settings
import TestSupport

@Suite("Settings: the API key and its file")
struct APIKeyTests {
    let folder = TemporaryDirectory()

    @Test("api.key_file is read and trimmed of surrounding whitespace")
    func keyFileReadAndTrimmed() throws {
        let file = try folder.write("api-key", "\n  sk-live-0123456789abcdef \r\n\n")
        let settings = try Settings.load(file: nil, environment: ["VIDEOHOOKD_API_KEY_FILE": file])
        #expect(settings.api.key?.value == "sk-live-0123456789abcdef")
        #expect(settings.api.keyFile == file)
    }

    @Test("api.key and api.key_file both set is an error naming where each came from")
    func bothSet() throws {
        let file = try folder.write("api-key", "sk-file")
        let found = try problems(yaml: "api:\n  key_file: \(file)\n", environment: ["VIDEOHOOKD_API_KEY": "sk-env"],
                                 in: folder)
        #expect(found.map(\.description) == [
            "\(folder.path)/videohookd.yaml:2: api.key_file: api.key and api.key_file are both set "
                + "(api.key by VIDEOHOOKD_API_KEY); keep one",
        ])
        let inFile = try problems(yaml: "api:\n  key: sk-a\n  key_file: \(file)\n", in: folder)
        #expect(inFile.first?.message.contains("(api.key on \(folder.path)/videohookd.yaml:2)") == true)
    }

    @Test("An empty variable for one of them lifts the conflict")
    func emptyVariableLiftsConflict() throws {
        let file = try folder.write("api-key", "sk-file")
        let settings = try load(yaml: "api:\n  key: sk-a\n", environment: [
            "VIDEOHOOKD_API_KEY": "", "VIDEOHOOKD_API_KEY_FILE": file,
        ], in: folder)
        #expect(settings.api.key?.value == "sk-file")
    }

    @Test("A key file that is missing, empty or holds a line break inside is an error")
    func badKeyFiles() throws {
        let missing = folder.path + "/missing"
        #expect(problems(environment: ["VIDEOHOOKD_API_KEY_FILE": missing]).map(\.message)
            == ["cannot read \(missing): No such file or directory"])
        let empty = try folder.write("empty", " \n")
        #expect(problems(environment: ["VIDEOHOOKD_API_KEY_FILE": empty]).map(\.message)
            == ["the key in \(empty) is empty"])
        let twoLines = try folder.write("two", "sk-one\nX-Injected: yes\n")
        let found = problems(environment: ["VIDEOHOOKD_API_KEY_FILE": twoLines])
        #expect(found.map(\.message) == ["the key in \(twoLines) must be printable ASCII without spaces, at most 4096 characters"])
        #expect(!found[0].description.contains("sk-one"))
    }

    @Test("A key file past 64 KiB is refused rather than read whole")
    func keyFileSizeLimit() throws {
        let big = try folder.write("big", String(repeating: "k", count: 64 << 10 + 1))
        #expect(problems(environment: ["VIDEOHOOKD_API_KEY_FILE": big]).map(\.message)
            == ["cannot read \(big): larger than 65536 bytes"])
    }

    @Test("A bad api.key is refused without repeating it")
    func badKeyNotRepeated() throws {
        let found = try problems(yaml: "api:\n  key: \"sk-secret with-space\"\n", in: folder)
        #expect(found.count == 1)
        #expect(found.first?.line == 2)
        #expect(found.first.map { !$0.description.contains("secret") } == true)
    }

    @Test("Neither the key nor the token appears in description, debugDescription or dump")
    func secretsNeverPrinted() throws {
        let key = "sk-very-secret-api-key-42"
        let token = "tok_ABCDEFGHIJKLMNOP_secret"
        let settings = try Settings.load(file: nil, environment: [
            "VIDEOHOOKD_API_KEY": key, "VIDEOHOOKD_TOKEN": token,
        ])
        var dumped = ""
        dump(settings, to: &dumped)
        for text in [settings.description, String(describing: settings), String(reflecting: settings), dumped,
                     "\(settings.api)", "\(settings.token!)", settings.summaryLines.joined()] {
            #expect(!text.contains(key))
            #expect(!text.contains(token))
        }
        #expect(settings.summaryLines.contains("api.key = (set)"))
        #expect(settings.summaryLines.contains("token = (set)"))
    }
}
