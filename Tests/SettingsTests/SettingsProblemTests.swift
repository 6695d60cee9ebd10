import Testing
@testable import Settings
import TestSupport

@Suite("Settings: problems, with key and line")
struct SettingsProblemTests {
    let folder = TemporaryDirectory()

    @Test("An unknown key is an error with its line and a suggestion")
    func unknownKey() throws {
        let found = try problems(yaml: """
            listen: 0.0.0.0:8443
            download:
              concurency: 4
            colour: blue
            """, in: folder)
        #expect(found.map(\.description) == [
            "\(folder.path)/videohookd.yaml:3: download.concurency: unknown key; did you mean download.concurrency?",
            "\(folder.path)/videohookd.yaml:4: colour: unknown key",
        ])
    }

    @Test("A wrong type names the line, the key, what was expected and what was found")
    func wrongType() throws {
        let found = try problems(yaml: "log_level: info\ndownload:\n  concurrency: four\n", in: folder)
        #expect(found.count == 1)
        let problem = try #require(found.first)
        #expect(problem.line == 3)
        #expect(problem.key == "download.concurrency")
        #expect(problem.description
            == "\(folder.path)/videohookd.yaml:3: download.concurrency: expected a whole number from 1 to 64, got \"four\"")
    }

    @Test("A list or a section where one value belongs is an error; a section given a value too")
    func wrongShape() throws {
        let found = try problems(yaml: """
            state_dir:
              - /a
            listen: {host: x}
            tls: yes
            """, in: folder)
        #expect(found.map(\.line) == [2, 3, 4])
        #expect(found[0].message == "expected a path, got a list")
        #expect(found[1].message == "expected host:port, got a section")
        #expect(found[2].key == "tls")
        #expect(found[2].message == "is a section; expected keys under it: cert_file, key_file")
    }

    @Test("Sizes and durations that do not parse are errors with the accepted forms")
    func badSizeAndDuration() throws {
        let found = try problems(yaml: """
            limits:
              max_body_bytes: 1 megabyte
              header_timeout: 10 minutes
              body_timeout: -5s
            disk_reserve_bytes: 5M
            """, in: folder)
        #expect(found.map(\.key) == ["limits.max_body_bytes", "limits.header_timeout", "limits.body_timeout",
                                     "disk_reserve_bytes"])
        #expect(found[0].message.hasPrefix("expected a size in bytes such as 1048576 or \"1MiB\""))
        #expect(found[0].message.hasSuffix("got \"1 megabyte\""))
        #expect(found[1].message == "expected a duration such as 10, \"10s\", \"500ms\" or \"2m\", got \"10 minutes\"")
        #expect(found[2].message.hasSuffix("got \"-5s\""))
        #expect(found[3].message.hasSuffix("got \"5M\""))
    }

    @Test("Values out of range are errors: ports, concurrency, sizes, timeouts, counts")
    func outOfRange() throws {
        let cases: [(String, String, String)] = [
            ("VIDEOHOOKD_LISTEN", "0.0.0.0:65536", "the port must be a number from 0 to 65535, got \"0.0.0.0:65536\""),
            ("VIDEOHOOKD_ADMIN_LISTEN", "127.0.0.1:-1", "the port must be a number from 0 to 65535, got \"127.0.0.1:-1\""),
            ("VIDEOHOOKD_DOWNLOAD_CONCURRENCY", "0", "expected a whole number from 1 to 64, got \"0\""),
            ("VIDEOHOOKD_DOWNLOAD_CONCURRENCY", "65", "expected a whole number from 1 to 64, got \"65\""),
            ("VIDEOHOOKD_DOWNLOAD_MAX_BYTES", "0", "expected a size from 1 to 1024TiB, got \"0\""),
            ("VIDEOHOOKD_LIMITS_MAX_BODY_BYTES", "2GiB", "expected a size from 1 to 1GiB, got \"2GiB\""),
            ("VIDEOHOOKD_LIMITS_MAX_HEADER_BYTES", "0", "expected a size from 1 to 1MiB, got \"0\""),
            ("VIDEOHOOKD_LIMITS_MAX_URI_BYTES", "2MiB", "expected a size from 1 to 1MiB, got \"2MiB\""),
            ("VIDEOHOOKD_LIMITS_MAX_HEADER_COUNT", "10001", "expected a whole number from 1 to 10000, got \"10001\""),
            ("VIDEOHOOKD_LIMITS_MAX_CONNECTIONS", "0", "expected a whole number from 1 to 1000000, got \"0\""),
            ("VIDEOHOOKD_LIMITS_HEADER_TIMEOUT", "0s", "expected a duration from 1ms to 1h, got \"0s\""),
            ("VIDEOHOOKD_LIMITS_IDLE_TIMEOUT", "61m", "expected a duration from 1ms to 1h, got \"61m\""),
        ]
        for (variable, value, message) in cases {
            let found = problems(environment: [variable: value])
            #expect(found.map(\.message) == [message], "\(variable)=\(value)")
            #expect(found.first?.environmentVariable == variable)
        }
    }

    @Test("The size ceiling and the size floor are inclusive")
    func rangeEdges() throws {
        let settings = try Settings.load(file: nil, environment: [
            "VIDEOHOOKD_LIMITS_MAX_BODY_BYTES": "1GiB", "VIDEOHOOKD_LIMITS_MAX_URI_BYTES": "1",
            "VIDEOHOOKD_LIMITS_IDLE_TIMEOUT": "1h", "VIDEOHOOKD_LIMITS_HEADER_TIMEOUT": "1ms",
            "VIDEOHOOKD_LISTEN": "0.0.0.0:65535",
        ])
        #expect(settings.limits.maxBodyBytes == 1 << 30)
        #expect(settings.limits.maxURIBytes == 1)
        #expect(settings.limits.idleTimeout == .seconds(3600))
        #expect(settings.limits.headerTimeout == .milliseconds(1))
        #expect(settings.listen.port == 65535)
    }

    @Test("All problems are reported at once, file ones in line order, then the environment's")
    func allProblemsCollected() throws {
        let found = try problems(yaml: """
            download:
              concurrency: 0
            log_level: loud
            bogus: 1
            """, environment: ["VIDEOHOOKD_BOGUS": "1", "VIDEOHOOKD_LIMITS_BODY_TIMEOUT": "x"], in: folder)
        #expect(found.map(\.key) == ["download.concurrency", "log_level", "bogus", "", "limits.body_timeout"])
        #expect(found.map(\.line) == [2, 3, 4, nil, nil])
    }

    @Test("A VIDEOHOOKD_ variable that names no key is an error, with a suggestion")
    func unknownVariable() {
        let found = problems(environment: ["VIDEOHOOKD_LOGLEVEL": "debug", "VIDEOHOOKD_ZZZ": "1", "HOME": "/root"])
        #expect(found.map(\.description) == [
            "environment VIDEOHOOKD_LOGLEVEL: names no setting; did you mean VIDEOHOOKD_LOG_LEVEL?",
            "environment VIDEOHOOKD_ZZZ: names no setting",
        ])
    }

    @Test("YAML that does not parse is an error with its line")
    func invalidYAML() throws {
        let found = try problems(yaml: "listen: 0.0.0.0:8443\nadmin_listen: [::]:9090\n", in: folder)
        #expect(found.count == 1)
        #expect(found.first?.line == 2)
        #expect(found.first?.message.hasPrefix("not valid YAML") == true)
    }

    @Test("A key set twice is an error with the line")
    func duplicateKey() throws {
        let found = try problems(yaml: "log_level: info\nlog_level: debug\n", in: folder)
        #expect(found.count == 1)
        #expect(found.first?.key == "log_level")
        #expect(found.first?.message.contains("twice") == true)
        #expect(found.first?.line != nil)
    }

    @Test("A key set both as a section key and a dotted key is an error")
    func duplicateAcrossForms() throws {
        let found = try problems(yaml: "download:\n  concurrency: 2\ndownload.concurrency: 3\n", in: folder)
        #expect(found.map(\.description) == [
            "\(folder.path)/videohookd.yaml:3: download.concurrency: set twice; the first is on line 2",
        ])
    }

    @Test("A file that is not a mapping is an error")
    func notAMapping() throws {
        let found = try problems(yaml: "- listen\n- 8443\n", in: folder)
        #expect(found.first?.message.hasPrefix("the file must be a mapping") == true)
    }

    @Test("A missing config file is a clear error naming it")
    func missingFile() {
        let path = folder.path + "/nope.yaml"
        let found = problems(file: path)
        #expect(found.map(\.description) == ["\(path): cannot read the config file: No such file or directory"])
    }

    @Test("A folder given as the config file is a clear error")
    func folderAsFile() {
        let found = problems(file: folder.path)
        #expect(found.first?.message == "cannot read the config file: Is a directory")
    }

    @Test("Listen addresses: IPv4, bracketed IPv6, names; bare IPv6 and bad hosts refused")
    func listenAddresses() {
        let good: [(String, ListenAddress)] = [
            ("0.0.0.0:8443", ListenAddress(host: "0.0.0.0", port: 8443)),
            ("[::]:8443", ListenAddress(host: "::", port: 8443)),
            ("[fe80::1]:0", ListenAddress(host: "fe80::1", port: 0)),
            ("localhost:9090", ListenAddress(host: "localhost", port: 9090)),
        ]
        for (text, address) in good {
            #expect((try? ListenAddress.parse(text).get()) == address, "\(text)")
        }
        #expect(ListenAddress(host: "::", port: 8443).description == "[::]:8443")
        let bad: [(String, String)] = [
            (":::8443", "an IPv6 address goes in brackets, as in [::]:8443"),
            ("[::1:8443", "an IPv6 address in brackets is missing its \"]\""),
            ("[1.2.3.4]:80", "\"1.2.3.4\" in brackets is not an IPv6 address"),
            ("[::]8443", "expected host:port such as [::]:8443, with the port after \"]:\""),
            ("0.0.0.0", "expected host:port such as 0.0.0.0:8443, with a port"),
            ("256.0.0.1:80", "\"256.0.0.1\" is not an IPv4 address"),
            (":80", "the host is missing: use 0.0.0.0 for every IPv4 address, [::] for every address"),
            ("bad_host:80", "\"bad_host\" is not an IP address or a host name"),
            ("1.2.3.4:", "the port must be a number from 0 to 65535"),
            ("1.2.3.4:８０", "the port must be a number from 0 to 65535"),
            ("1.2.3.4:99999999999999999999", "the port must be a number from 0 to 65535"),
        ]
        for (text, reason) in bad {
            guard case .failure(let invalid) = ListenAddress.parse(text) else {
                Issue.record("\(text) parsed")
                continue
            }
            #expect(invalid.reason == reason, "\(text)")
        }
    }

    @Test("An IPv6 listen address unquoted in YAML gets a hint about quoting")
    func unquotedIPv6Hint() throws {
        let found = try problems(yaml: "listen: [\"::\"]\n", in: folder)
        #expect(found.first?.message == "expected host:port, got a list; an IPv6 address must be quoted in YAML: \"[::]:8443\"")
    }

    @Test("URLs: public_url must be https with a host; no query, fragment or user")
    func urls() throws {
        let bad = [
            "http://hooks.example.com", "https://", "https://user:pw@hooks.example.com",
            "https://hooks.example.com/?a=1", "https://hooks.example.com/#x", "hooks.example.com",
        ]
        for url in bad {
            let found = problems(environment: ["VIDEOHOOKD_PUBLIC_URL": url])
            #expect(found.count == 1 && found[0].key == "public_url", "\(url)")
        }
        let settings = try Settings.load(file: nil, environment: ["VIDEOHOOKD_PUBLIC_URL": "https://h.example.com/hooks//"])
        #expect(settings.publicURL == "https://h.example.com/hooks")
        #expect(problems(environment: ["VIDEOHOOKD_API_BASE_URL": "ftp://x.example.com"]).map(\.message)
            == ["the scheme must be http or https, got \"ftp://x.example.com\""])
    }

    @Test("A token that is too short or not a safe path segment is refused without repeating it")
    func tokenRules() throws {
        // 21 characters: below the 128 bits serve asks of a configured token.
        for token in ["short", String(repeating: "a", count: 21), "has/slash-0123456789", "spaces are bad 0123456789",
                      String(repeating: "a", count: 257)] {
            let found = problems(environment: ["VIDEOHOOKD_TOKEN": token])
            #expect(found.count == 1, "\(token)")
            #expect(found.first.map { !$0.description.contains(token) } == true)
        }
        _ = try Settings.load(file: nil, environment: ["VIDEOHOOKD_TOKEN": String(repeating: "a", count: 256)])
        _ = try Settings.load(file: nil, environment: ["VIDEOHOOKD_TOKEN": String(repeating: "a", count: 22)])
    }

    @Test("TLS files come in pairs, and must be readable")
    func tlsPairs() throws {
        let cert = try folder.write("cert.pem", "C")
        #expect(problems(environment: ["VIDEOHOOKD_TLS_CERT_FILE": cert]).map(\.message)
            == ["set without tls.key_file; give both, or neither for a self-signed certificate"])
        let missing = folder.path + "/missing.pem"
        #expect(problems(environment: ["VIDEOHOOKD_TLS_CERT_FILE": cert, "VIDEOHOOKD_TLS_KEY_FILE": missing])
            .map(\.message) == ["cannot read \(missing): No such file or directory"])
        #expect(problems(environment: ["VIDEOHOOKD_DOWNLOAD_CA_FILE": missing]).map(\.key) == ["download.ca_file"])
    }

    @Test("A hostile value in a message is escaped and cut")
    func hostileValueShownSafely() {
        let found = problems(environment: ["VIDEOHOOKD_LOG_LEVEL": "x\n\u{1b}[2J" + String(repeating: "y", count: 200)])
        let message = try? #require(found.first?.message)
        #expect(message?.contains("\n") == false)
        #expect(message?.contains("\u{1b}") == false)
        #expect((message?.count ?? 0) < 200)
    }
}
