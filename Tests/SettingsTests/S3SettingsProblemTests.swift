import Testing
@testable import Settings
import TestSupport

@Suite("Settings: s3, what check-config refuses and what it warns about")
struct S3SettingsProblemTests {
    let folder = TemporaryDirectory()

    func environment(_ extra: [String: String]) -> [String: String] {
        S3Example.bucketAndCredentials.merging(extra) { $1 }
    }

    /// The warnings of settings that load.
    func warnings(_ extra: [String: String]) throws -> [String] {
        try Settings.load(file: nil, environment: environment(extra)).warnings
    }

    @Test("A bucket without credentials from any source says where to put them, on the bucket's line")
    func noCredentials() throws {
        let found = try problems(yaml: "log_level: info\ns3:\n  bucket: videos\n", in: folder)
        #expect(found.count == 1)
        #expect(found.first?.line == 3 && found.first?.key == "s3.bucket")
        #expect(found.first?.message == "set, but no credentials are: set s3.access_key_id with s3.secret_access_key_file "
            + "(or s3.secret_access_key), or the same as VIDEOHOOKD_S3_* variables, or AWS_ACCESS_KEY_ID with "
            + "AWS_SECRET_ACCESS_KEY in the environment (instance roles and ~/.aws files are not read)")
    }

    @Test("Half a pair of credentials names the half that is there")
    func halfCredentials() throws {
        let secretOnly = problems(environment: ["VIDEOHOOKD_S3_BUCKET": "videos", "AWS_SECRET_ACCESS_KEY": S3Example.secret])
        #expect(secretOnly.map(\.description) == [
            "environment AWS_SECRET_ACCESS_KEY: s3.secret_access_key: set without s3.access_key_id: "
                + "set the key id that goes with the secret",
        ])
        let file = try folder.write("secret", S3Example.secret)
        let fileOnly = problems(environment: ["VIDEOHOOKD_S3_BUCKET": "videos", "VIDEOHOOKD_S3_SECRET_ACCESS_KEY_FILE": file])
        #expect(fileOnly.map(\.key) == ["s3.secret_access_key_file"])
        for found in [secretOnly, fileOnly] {
            #expect(!found.description.contains(S3Example.secret))
        }
    }

    @Test("secret_access_key and secret_access_key_file both set: keep one, and where the other is")
    func bothSecrets() throws {
        let file = try folder.write("secret", S3Example.secret)
        let found = try problems(yaml: """
            s3:
              bucket: videos
              access_key_id: \(S3Example.keyID)
              secret_access_key: \(S3Example.secret)
              secret_access_key_file: \(file)
            """, in: folder)
        #expect(found.map(\.description) == [
            "\(folder.path)/videohookd.yaml:5: s3.secret_access_key_file: s3.secret_access_key and "
                + "s3.secret_access_key_file are both set (s3.secret_access_key on \(folder.path)/videohookd.yaml:4); keep one",
        ])
    }

    @Test("A secret file that is missing, empty or holds two lines is refused without repeating it")
    func badSecretFiles() throws {
        let missing = folder.path + "/missing"
        func messages(_ path: String) -> [String] {
            problems(environment: environment(["VIDEOHOOKD_S3_SECRET_ACCESS_KEY": "",
                                               "VIDEOHOOKD_S3_SECRET_ACCESS_KEY_FILE": path])).map(\.message)
        }
        #expect(messages(missing) == ["cannot read \(missing): No such file or directory"])
        let empty = try folder.write("empty", "\n \n")
        #expect(messages(empty) == ["the secret access key in \(empty) is empty"])
        let twoLines = try folder.write("two", "first-half\nsecond-half\n")
        let found = messages(twoLines)
        #expect(found == ["the secret access key in \(twoLines) must be printable ASCII without spaces, at most 4096 characters"])
        #expect(!found.joined().contains("half"))
    }

    @Test("A key id or token that cannot go into a header is refused without repeating it")
    func badCredentialText() {
        let id = problems(environment: environment(["VIDEOHOOKD_S3_ACCESS_KEY_ID": "AKIA/EXAMPLE"]))
        #expect(id.map(\.message) == ["expected printable ASCII without spaces, \"/\" or \",\", at most 128 characters, "
            + "such as AKIAIOSFODNN7EXAMPLE"])
        #expect(!id.description.contains("AKIA/EXAMPLE"))
        let token = problems(environment: environment(["VIDEOHOOKD_S3_SESSION_TOKEN": "tok\r\nX-Injected: 1"]))
        #expect(token.map(\.message) == ["the session token must be printable ASCII without spaces, at most 16384 characters"])
        #expect(!token.description.contains("Injected"))
    }

    @Test("part_size: 5 MiB and 5 GiB are accepted, one byte less or more is refused with why")
    func partSizeLimits() throws {
        let floor = try Settings.load(file: nil, environment: environment(["VIDEOHOOKD_S3_PART_SIZE": "5MiB"]))
        #expect(floor.s3?.partSize == 5 << 20)
        let ceiling = try Settings.load(file: nil, environment: environment(["VIDEOHOOKD_S3_PART_SIZE": "5GiB"]))
        #expect(ceiling.s3?.partSize == 5 << 30)
        for value in [String((5 << 20) - 1), String((5 << 30) + 1), "1MiB"] {
            let found = problems(environment: environment(["VIDEOHOOKD_S3_PART_SIZE": value]))
            #expect(found.map(\.message) == ["expected a size from 5MiB to 5GiB, got \"\(value)\": S3 refuses a part "
                + "(all but the last) under 5 MiB and any over 5 GiB"])
            #expect(found.first?.environmentVariable == "VIDEOHOOKD_S3_PART_SIZE")
        }
    }

    @Test("More than 10,000 parts for download.max_bytes warns with the part size that fits; exactly 10,000 does not")
    func partCount() throws {
        let partSize = 5 << 20
        let fits = try warnings(["VIDEOHOOKD_S3_PART_SIZE": String(partSize),
                                 "VIDEOHOOKD_DOWNLOAD_MAX_BYTES": String(10_000 * partSize)])
        #expect(fits.isEmpty)
        let past = try warnings(["VIDEOHOOKD_S3_PART_SIZE": String(partSize),
                                 "VIDEOHOOKD_DOWNLOAD_MAX_BYTES": String(10_000 * partSize + 1)])
        #expect(past == ["environment VIDEOHOOKD_S3_PART_SIZE: s3.part_size: download.max_bytes (52428800001) in parts of "
            + "5MiB takes up to 10001 parts, past S3's 10000 per upload, so a video that large would fail to upload; "
            + "set s3.part_size to at least 6MiB"])
        // With the default part size, the warning points at the key that made it too big.
        let big = try warnings(["VIDEOHOOKD_DOWNLOAD_MAX_BYTES": "200GiB"])
        #expect(big.count == 1)
        #expect(big.first?.hasPrefix("environment VIDEOHOOKD_DOWNLOAD_MAX_BYTES: download.max_bytes: download.max_bytes (200GiB) "
            + "in parts of 16MiB takes up to 12800 parts") == true)
        #expect(big.first?.hasSuffix("at least 21MiB") == true)
        // Past S3's largest object no part size helps.
        let huge = try warnings(["VIDEOHOOKD_DOWNLOAD_MAX_BYTES": "6TiB"])
        #expect(huge == ["environment VIDEOHOOKD_DOWNLOAD_MAX_BYTES: download.max_bytes: 6TiB is past S3's largest "
            + "object, 5TiB: a video that large would fail to upload; lower download.max_bytes"])
    }

    @Test("The endpoint must be an http(s) origin; plain http beyond loopback warns")
    func endpoint() throws {
        let cases = [
            ("ftp://storage.example", "the scheme must be http or https, got \"ftp://storage.example\""),
            ("storage.example:9000", "the scheme must be http or https, got \"storage.example:9000\""),
            ("https://user:pw@storage.example", "expected a URL such as https://s3.eu-west-1.amazonaws.com or "
                + "http://127.0.0.1:9000, got \"https://user:pw@storage.example\": no user name, password, query or fragment"),
            ("https://storage.example/videos", "expected scheme://host[:port] with no path, such as "
                + "https://s3.eu-west-1.amazonaws.com or http://127.0.0.1:9000, got \"https://storage.example/videos\"; "
                + "the bucket goes in s3.bucket and a folder in s3.prefix"),
        ]
        for (value, message) in cases {
            let found = problems(environment: environment(["VIDEOHOOKD_S3_ENDPOINT": value]))
            #expect(found.map(\.message) == [message], "\(value)")
        }
        let remote = try warnings(["VIDEOHOOKD_S3_ENDPOINT": "http://minio.internal:9000"])
        #expect(remote == ["environment VIDEOHOOKD_S3_ENDPOINT: s3.endpoint: plain http to minio.internal: the videos "
            + "and their metadata cross the network in clear text (the requests are signed, not encrypted); use https"])
        for local in ["http://127.0.0.1:9000", "http://localhost:9000", "http://[::1]:9000"] {
            #expect(try warnings(["VIDEOHOOKD_S3_ENDPOINT": local]).isEmpty, "\(local)")
        }
        #expect(try warnings(["VIDEOHOOKD_S3_ENDPOINT": "http://127.example.com"]).count == 1)
    }

    @Test("A region that is no AWS region needs an endpoint; one that cannot be signed is refused")
    func region() throws {
        let noEndpoint = problems(environment: environment(["VIDEOHOOKD_S3_REGION": "Garage"]))
        #expect(noEndpoint.map(\.message) == ["\"Garage\" is not an AWS region, so there is no AWS endpoint for it; "
            + "set s3.endpoint to your store's URL, such as https://storage.example.com"])
        let withEndpoint = try Settings.load(file: nil, environment: environment([
            "VIDEOHOOKD_S3_REGION": "Garage", "VIDEOHOOKD_S3_ENDPOINT": "https://garage.example"]))
        #expect(withEndpoint.s3?.region == "Garage")
        let unsignable = problems(environment: environment(["VIDEOHOOKD_S3_REGION": "eu/west"]))
        #expect(unsignable.map(\.key) == ["s3.region"])
        #expect(unsignable.first?.message.hasPrefix("expected a region name such as us-east-1") == true)
    }

    @Test("Bucket names: S3's characters and lengths; a name no host can carry needs path_style")
    func bucketNames() throws {
        for bad in ["ab", "my bucket", "videos/2024", String(repeating: "a", count: 256)] {
            let found = problems(environment: environment(["VIDEOHOOKD_S3_BUCKET": bad]))
            #expect(found.map(\.key) == ["s3.bucket"], "\(bad)")
            #expect(found.first?.message.hasPrefix("expected a bucket name: 3 to 63 lower-case letters") == true)
        }
        #expect(try Settings.load(file: nil, environment: environment(["VIDEOHOOKD_S3_BUCKET": "a" + String(repeating: "b", count: 62)]))
            .s3 != nil)
        for legacy in ["My_Videos", "-videos", "192.168.1.10", "a..b", String(repeating: "a", count: 64)] {
            let found = problems(environment: environment(["VIDEOHOOKD_S3_BUCKET": legacy]))
            #expect(found.map(\.message) == ["\"\(legacy)\" cannot be part of a host name, as virtual-hosted addressing "
                + "needs; set s3.path_style: true to address the bucket in the path"], "\(legacy)")
            let pathStyle = try Settings.load(file: nil, environment: environment([
                "VIDEOHOOKD_S3_BUCKET": legacy, "VIDEOHOOKD_S3_PATH_STYLE": "true"]))
            #expect(pathStyle.s3?.bucket == legacy)
        }
        let dotted = try warnings(["VIDEOHOOKD_S3_BUCKET": "videos.example.com"])
        #expect(dotted.count == 1 && dotted.first?.contains("set s3.path_style: true") == true)
        #expect(try warnings(["VIDEOHOOKD_S3_BUCKET": "videos.example.com", "VIDEOHOOKD_S3_PATH_STYLE": "true"]).isEmpty)
        #expect(try warnings(["VIDEOHOOKD_S3_BUCKET": "videos.example.com",
                              "VIDEOHOOKD_S3_ENDPOINT": "http://127.0.0.1:9000"]).isEmpty)
    }

    @Test("A prefix with characters S3 tools mangle, or empty and dot folders, warns; control characters are refused")
    func prefixProblems() throws {
        let mangled = try warnings(["VIDEOHOOKD_S3_PREFIX": "my videos+clips"])
        #expect(mangled == ["environment VIDEOHOOKD_S3_PREFIX: s3.prefix: \"my videos+clips/\" holds \" \" \"+\", which "
            + "URLs, S3 tools or consoles escape or change; keep to letters, digits, \"-\", \"_\", \".\" and \"/\""])
        #expect(try warnings(["VIDEOHOOKD_S3_PREFIX": "vidéos"]).first?.contains("\"é\"") == true)
        for dotted in ["a//b", "a/./b", "../b"] {
            let found = try warnings(["VIDEOHOOKD_S3_PREFIX": dotted])
            #expect(found.count == 1 && found.first?.contains("has an empty, \".\" or \"..\" folder") == true, "\(dotted)")
        }
        #expect(problems(environment: environment(["VIDEOHOOKD_S3_PREFIX": "a\tb"])).map(\.message)
            == ["a key prefix cannot hold control characters (a line break, a tab)"])
        let longest = String(repeating: "p", count: S3Settings.maxPrefixBytes - 1)
        #expect(try Settings.load(file: nil, environment: environment(["VIDEOHOOKD_S3_PREFIX": longest])).s3?.prefix
            == longest + "/")
        #expect(problems(environment: environment(["VIDEOHOOKD_S3_PREFIX": longest + "p"])).map(\.key) == ["s3.prefix"])
    }

    @Test("Storage classes: S3's are taken in any case; another warns with a suggestion; Glacier warns it is not readable")
    func storageClasses() throws {
        for known in S3Settings.knownStorageClasses {
            let settings = try Settings.load(file: nil, environment: environment(["VIDEOHOOKD_S3_STORAGE_CLASS": known.lowercased()]))
            #expect(settings.s3?.storageClass == known)
            #expect(settings.warnings.count == (S3Settings.archivalStorageClasses.contains(known) ? 1 : 0), "\(known)")
        }
        let typo = try Settings.load(file: nil, environment: environment(["VIDEOHOOKD_S3_STORAGE_CLASS": "STANDARD_AI"]))
        #expect(typo.s3?.storageClass == "STANDARD_AI")
        #expect(typo.warnings == ["environment VIDEOHOOKD_S3_STORAGE_CLASS: s3.storage_class: \"STANDARD_AI\" is not one "
            + "of S3's storage classes (did you mean STANDARD_IA?); it is sent as written, for a store that defines its "
            + "own, and AWS would refuse every upload with InvalidStorageClass"])
        #expect(try warnings(["VIDEOHOOKD_S3_STORAGE_CLASS": "GLACIER"]).first?.contains("must be restored") == true)
        #expect(problems(environment: environment(["VIDEOHOOKD_S3_STORAGE_CLASS": "COLD\r\nX: 1"])).map(\.key)
            == ["s3.storage_class"])
    }

    @Test("s3 keys set without s3.bucket warn, each with its line, that they do nothing")
    func keysWithoutBucket() throws {
        let settings = try load(yaml: """
            s3:
              region: eu-west-1
              part_size: 1MiB
            """, environment: ["VIDEOHOOKD_S3_KEEP_LOCAL": "true", "AWS_REGION": "eu-west-2"], in: folder)
        #expect(settings.s3 == nil)
        let file = "\(folder.path)/videohookd.yaml"
        let tail = "so it does nothing and videos stay in archive_dir; set s3.bucket to archive to object storage, or remove"
        #expect(settings.warnings == [
            "\(file):2: s3.region: set, but s3.bucket is not, \(tail) s3.region",
            "\(file):3: s3.part_size: set, but s3.bucket is not, \(tail) s3.part_size",
            "environment VIDEOHOOKD_S3_KEEP_LOCAL: s3.keep_local: set, but s3.bucket is not, \(tail) s3.keep_local",
        ])
    }

    @Test("No secret appears in the summary, a warning or a problem; the key id only by its end")
    func secretsNeverShown() throws {
        let settings = try Settings.load(file: nil, environment: environment([
            "VIDEOHOOKD_S3_SESSION_TOKEN": S3Example.token, "VIDEOHOOKD_S3_ENDPOINT": "http://minio.internal:9000",
            "VIDEOHOOKD_S3_STORAGE_CLASS": "COLD",
        ]))
        #expect(settings.warnings.count == 2)
        var dumped = ""
        dump(settings, to: &dumped)
        let texts = [settings.description, String(reflecting: settings), dumped, "\(settings.s3!)",
                     settings.summaryLines.joined(separator: "\n"), settings.warnings.joined(separator: "\n")]
        for text in texts {
            #expect(!text.contains(S3Example.secret) && !text.contains(S3Example.token))
        }
        // The key id is no secret (it travels in every Authorization header), but what
        // the operator reads shows only its end.
        #expect(!texts[4].contains("AKIAIOSFODNN7EXAM") && !texts[5].contains("AKIAIOSFODNN7EXAM"))
        for line in ["s3.access_key_id = …MPLE", "s3.secret_access_key = (set)", "s3.session_token = (set)",
                     "s3.secret_access_key_file = (none)", "s3.bucket = videos", "s3.part_size = 16MiB",
                     "s3.storage_class = COLD", "s3.prefix = (none)"] {
            #expect(settings.summaryLines.contains(line), "\(line)")
        }
        #expect(S3Credentials(accessKeyID: "minioadmin", secretAccessKey: Secret("x")).maskedAccessKeyID == "(set)")
        #expect(settings.s3?.secrets.map(\.value) == [S3Example.secret, S3Example.token])

        // Problems in other keys, with the credentials set, do not carry them either.
        let found = problems(environment: environment(["VIDEOHOOKD_S3_SESSION_TOKEN": S3Example.token,
                                                       "VIDEOHOOKD_S3_PART_SIZE": "1"]))
        #expect(found.count == 1 && !found.description.contains(S3Example.secret) && !found.description.contains(S3Example.token))
    }
}
