import Testing
@testable import Settings
import TestSupport

/// Credentials as AWS's documentation writes its examples.
enum S3Example {
    static let keyID = "AKIAIOSFODNN7EXAMPLE"
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let token = "IQoJb3JpZ2luX2VjEXAMPLETOKEN/abc+def=="
    static let credentials = ["VIDEOHOOKD_S3_ACCESS_KEY_ID": keyID, "VIDEOHOOKD_S3_SECRET_ACCESS_KEY": secret]
    static let bucketAndCredentials = credentials.merging(["VIDEOHOOKD_S3_BUCKET": "videos"]) { $1 }
}

@Suite("Settings: s3, its defaults, overrides and the AWS variables")
struct S3SettingsTests {
    let folder = TemporaryDirectory()

    @Test("Without s3.bucket there is no object store, and the summary says the archive stays on disk")
    func offWithoutBucket() throws {
        let settings = try Settings.load(file: nil, environment: [:])
        #expect(settings.s3 == nil)
        #expect(settings.summaryLines.contains("s3.bucket = (none: videos stay in archive_dir)"))
        #expect(settings.summaryLines.filter { $0.hasPrefix("s3.") }.count == 1)
    }

    @Test("With a bucket and credentials, every other key takes its default")
    func defaults() throws {
        let settings = try Settings.load(file: nil, environment: S3Example.bucketAndCredentials)
        let s3 = try #require(settings.s3)
        #expect(s3.bucket == "videos")
        #expect(s3.region == "us-east-1")
        #expect(s3.endpoint == "https://s3.us-east-1.amazonaws.com")
        #expect(s3.prefix == "")
        #expect(s3.pathStyle == false)
        #expect(s3.credentials == S3Credentials(accessKeyID: S3Example.keyID, secretAccessKey: Secret(S3Example.secret)))
        #expect(s3.storageClass == nil)
        #expect(s3.partSize == 16 << 20)
        #expect(s3.keepLocal == false)
        #expect(s3.caFile == nil)
        #expect(settings.warnings.isEmpty)
    }

    @Test("The default endpoint follows the region, in the China partition too")
    func defaultEndpoint() throws {
        for (region, endpoint) in [("eu-west-1", "https://s3.eu-west-1.amazonaws.com"),
                                   ("cn-north-1", "https://s3.cn-north-1.amazonaws.com.cn")] {
            var environment = S3Example.bucketAndCredentials
            environment["VIDEOHOOKD_S3_REGION"] = region
            let s3 = try #require(try Settings.load(file: nil, environment: environment).s3)
            #expect(s3.region == region && s3.endpoint == endpoint)
        }
    }

    @Test("A full s3 section in the file, with the secret in a file read and trimmed")
    func fullSection() throws {
        let secretFile = try folder.write("s3-secret", "\n  \(S3Example.secret) \r\n\n")
        let ca = try folder.write("ca.pem", "X")
        let settings = try load(yaml: """
            s3:
              bucket: archive-1
              endpoint: https://storage.example.net:8443/
              region: garage
              prefix: /videohookd/prod
              path_style: true
              access_key_id: \(S3Example.keyID)
              secret_access_key_file: \(secretFile)
              session_token: \(S3Example.token)
              storage_class: standard_ia
              part_size: 64MiB
              keep_local: yes
              ca_file: \(ca)
            """, in: folder)
        let s3 = try #require(settings.s3)
        #expect(s3.bucket == "archive-1")
        #expect(s3.endpoint == "https://storage.example.net:8443")
        #expect(s3.region == "garage")
        #expect(s3.prefix == "videohookd/prod/")
        #expect(s3.pathStyle)
        #expect(s3.credentials.accessKeyID == S3Example.keyID)
        #expect(s3.credentials.secretAccessKey.value == S3Example.secret)
        #expect(s3.credentials.secretAccessKeyFile == secretFile)
        #expect(s3.credentials.sessionToken?.value == S3Example.token)
        #expect(s3.storageClass == "STANDARD_IA")
        #expect(s3.partSize == 64 << 20)
        #expect(s3.keepLocal)
        #expect(s3.caFile == ca)
        #expect(settings.warnings.isEmpty, "\(settings.warnings)")
    }

    @Test("The prefix names a folder: no leading slash, one trailing slash, empty when only slashes")
    func prefixNormalised() throws {
        let cases = [("videos", "videos/"), ("/videos/", "videos/"), ("//a/b//", "a/b/"), ("/", ""),
                     ("  ", ""), ("v1.2/x_y-z", "v1.2/x_y-z/")]
        for (written, normalised) in cases {
            var environment = S3Example.bucketAndCredentials
            environment["VIDEOHOOKD_S3_PREFIX"] = written
            let settings = try Settings.load(file: nil, environment: environment)
            #expect(settings.s3?.prefix == normalised, "\(written.debugDescription)")
            #expect(settings.warnings.isEmpty, "\(written.debugDescription): \(settings.warnings)")
        }
    }

    @Test("Every s3 key has its VIDEOHOOKD_S3_ variable, which wins over the file")
    func everyOverride() throws {
        let fileSecret = try folder.write("file-secret", "secret-from-file")
        let ca = try folder.write("ca.pem", "X")
        let file = try folder.write("videohookd.yaml", """
            s3:
              bucket: from-file
              endpoint: https://file.example.net
              region: eu-west-1
              prefix: file
              path_style: false
              access_key_id: FILEKEYID
              secret_access_key: file-secret
              session_token: file-token
              storage_class: STANDARD
              part_size: 8MiB
              keep_local: false
            """)
        let environment = [
            "VIDEOHOOKD_S3_BUCKET": "from-env",
            "VIDEOHOOKD_S3_ENDPOINT": "http://127.0.0.1:9000",
            "VIDEOHOOKD_S3_REGION": "minio",
            "VIDEOHOOKD_S3_PREFIX": "env",
            "VIDEOHOOKD_S3_PATH_STYLE": "true",
            "VIDEOHOOKD_S3_ACCESS_KEY_ID": "ENVKEYID",
            // An empty variable lifts the file's secret, so the file form can take over.
            "VIDEOHOOKD_S3_SECRET_ACCESS_KEY": "",
            "VIDEOHOOKD_S3_SECRET_ACCESS_KEY_FILE": fileSecret,
            "VIDEOHOOKD_S3_SESSION_TOKEN": "env-token",
            "VIDEOHOOKD_S3_STORAGE_CLASS": "ONEZONE_IA",
            "VIDEOHOOKD_S3_PART_SIZE": "32MiB",
            "VIDEOHOOKD_S3_KEEP_LOCAL": "true",
            "VIDEOHOOKD_S3_CA_FILE": ca,
        ]
        let s3Keys = SettingsKey.allCases.filter { $0.section == "s3" }
        #expect(Set(environment.keys) == Set(s3Keys.map(\.environmentVariable)), "a key without its variable here")
        let s3 = try #require(try Settings.load(file: file, environment: environment).s3)
        #expect(s3 == S3Settings(
            bucket: "from-env", endpoint: "http://127.0.0.1:9000", region: "minio", prefix: "env/", pathStyle: true,
            credentials: S3Credentials(accessKeyID: "ENVKEYID", secretAccessKey: Secret("secret-from-file"),
                                       secretAccessKeyFile: fileSecret, sessionToken: Secret("env-token")),
            storageClass: "ONEZONE_IA", partSize: 32 << 20, keepLocal: true, caFile: ca))
    }

    @Test("The AWS variables apply when the daemon's own settings say nothing")
    func awsVariables() throws {
        let settings = try Settings.load(file: nil, environment: [
            "VIDEOHOOKD_S3_BUCKET": "videos",
            "AWS_ACCESS_KEY_ID": S3Example.keyID, "AWS_SECRET_ACCESS_KEY": S3Example.secret,
            "AWS_SESSION_TOKEN": S3Example.token, "AWS_REGION": "eu-central-1",
            "AWS_ENDPOINT_URL_S3": "https://s3.example.org",
        ])
        let s3 = try #require(settings.s3)
        #expect(s3.credentials == S3Credentials(accessKeyID: S3Example.keyID, secretAccessKey: Secret(S3Example.secret),
                                                sessionToken: Secret(S3Example.token)))
        #expect(s3.region == "eu-central-1")
        #expect(s3.endpoint == "https://s3.example.org")
    }

    @Test("AWS_REGION before AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3 before AWS_ENDPOINT_URL; each alone is enough")
    func awsFallbacks() throws {
        func s3(_ extra: [String: String]) throws -> S3Settings {
            try #require(try Settings.load(file: nil, environment: S3Example.bucketAndCredentials.merging(extra) { $1 }).s3)
        }
        #expect(try s3(["AWS_REGION": "eu-west-2", "AWS_DEFAULT_REGION": "eu-west-3"]).region == "eu-west-2")
        #expect(try s3(["AWS_DEFAULT_REGION": "eu-west-3"]).region == "eu-west-3")
        #expect(try s3(["AWS_REGION": "", "AWS_DEFAULT_REGION": "eu-west-3"]).region == "eu-west-3")
        #expect(try s3(["AWS_ENDPOINT_URL_S3": "https://a.example", "AWS_ENDPOINT_URL": "https://b.example"]).endpoint
            == "https://a.example")
        #expect(try s3(["AWS_ENDPOINT_URL": "https://b.example"]).endpoint == "https://b.example")
    }

    @Test("The file wins over AWS_*, and VIDEOHOOKD_S3_* over both; an empty variable hides AWS_* too")
    func precedence() throws {
        let aws = ["AWS_REGION": "ap-south-1", "AWS_ENDPOINT_URL_S3": "https://aws-env.example"]
        let yaml = "s3:\n  bucket: videos\n  region: eu-north-1\n  endpoint: https://file.example\n"
        let fromFile = try #require(try load(yaml: yaml, environment: aws.merging(S3Example.credentials) { $1 }, in: folder).s3)
        #expect(fromFile.region == "eu-north-1" && fromFile.endpoint == "https://file.example")

        let overridden = aws.merging(S3Example.credentials) { $1 }
            .merging(["VIDEOHOOKD_S3_REGION": "us-west-2", "VIDEOHOOKD_S3_ENDPOINT": ""]) { $1 }
        let fromVariables = try #require(try load(yaml: yaml, environment: overridden, in: folder).s3)
        #expect(fromVariables.region == "us-west-2")
        // Empty: the embedded default, AWS's endpoint for the region, not AWS_ENDPOINT_URL_S3.
        #expect(fromVariables.endpoint == "https://s3.us-west-2.amazonaws.com")
    }

    @Test("Credentials come as one set: any given in the settings hides every AWS_ credential")
    func credentialsAreOneSet() throws {
        let aws = ["AWS_ACCESS_KEY_ID": "AKIAAWSENVIRONMENT01", "AWS_SECRET_ACCESS_KEY": "aws-secret",
                   "AWS_SESSION_TOKEN": "aws-token"]
        let settings = try load(yaml: "s3:\n  bucket: videos\n  access_key_id: FILEKEY\n  secret_access_key: file-secret\n",
                                environment: aws, in: folder)
        #expect(settings.s3?.credentials == S3Credentials(accessKeyID: "FILEKEY", secretAccessKey: Secret("file-secret")))

        // A key id in the file is never paired with the environment's secret.
        let found = try problems(yaml: "s3:\n  bucket: videos\n  access_key_id: FILEKEY\n", environment: aws, in: folder)
        #expect(found.map(\.description) == [
            "\(folder.path)/videohookd.yaml:3: s3.access_key_id: set without its secret: set s3.secret_access_key_file "
                + "or s3.secret_access_key beside it",
        ])
        // Even an empty VIDEOHOOKD_S3_SESSION_TOKEN says "the settings give the credentials".
        let emptyToken = problems(environment: aws.merging(["VIDEOHOOKD_S3_BUCKET": "videos",
                                                            "VIDEOHOOKD_S3_SESSION_TOKEN": ""]) { $1 })
        #expect(emptyToken.map(\.key) == ["s3.bucket"])
    }

    @Test("Ambient AWS variables without a bucket change nothing and warn about nothing, even when wrong")
    func awsWithoutBucket() throws {
        let settings = try Settings.load(file: nil, environment: [
            "AWS_REGION": "not a region!", "AWS_ENDPOINT_URL": "ftp://x", "AWS_ACCESS_KEY_ID": "A",
        ])
        #expect(settings.s3 == nil)
        #expect(settings.warnings.isEmpty)
    }

    @Test("A problem in an AWS variable names the variable")
    func awsProblemNamesVariable() {
        let found = problems(environment: S3Example.bucketAndCredentials.merging(["AWS_ENDPOINT_URL": "ftp://x"]) { $1 })
        #expect(found.map(\.description) == [
            "environment AWS_ENDPOINT_URL: s3.endpoint: the scheme must be http or https, got \"ftp://x\"",
        ])
    }

    @Test("The daemon knows every VIDEOHOOKD_S3_ variable, and still refuses a misspelt one")
    func variablesRegistered() {
        for key in SettingsKey.allCases where key.section == "s3" {
            #expect(key.environmentVariable == "VIDEOHOOKD_S3_" + key.rawValue.dropFirst(3).uppercased())
        }
        let found = problems(environment: ["VIDEOHOOKD_S3_BUCKETT": "videos"])
        #expect(found.map(\.description) == ["environment VIDEOHOOKD_S3_BUCKETT: names no setting; did you mean VIDEOHOOKD_S3_BUCKET?"])
        let typo = problems(file: try? folder.write("videohookd.yaml", "s3:\n  buckt: videos\n"))
        #expect(typo.map(\.message) == ["unknown key; did you mean s3.bucket?"])
    }
}
