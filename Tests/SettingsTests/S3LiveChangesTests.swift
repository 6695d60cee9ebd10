import Testing
@testable import Settings
import TestSupport

@Suite("Settings: what SIGHUP does with s3")
struct S3LiveChangesTests {
    let folder = TemporaryDirectory()

    static let running = Settings.withS3(S3Settings(
        bucket: "videos", credentials: S3Credentials(accessKeyID: S3Example.keyID, secretAccessKey: Secret("old-secret"))))

    @Test("The credentials and the secret file apply live; where and how objects go needs a restart")
    func classification() {
        let live = SettingsKey.allCases.filter { $0.section == "s3" && $0.isLive }
        #expect(live == [.s3AccessKeyID, .s3SecretAccessKey, .s3SecretAccessKeyFile, .s3SessionToken])
        for key in live {
            #expect(key.reloadEffect == .replaceS3Credentials)
        }
        let restart = SettingsKey.allCases.filter { $0.section == "s3" && !$0.isLive }
        #expect(restart == [.s3Bucket, .s3Endpoint, .s3Region, .s3Prefix, .s3PathStyle, .s3StorageClass,
                            .s3PartSize, .s3KeepLocal, .s3CAFile])
    }

    @Test("A fixed secret in the same file is applied: the file's content counts, not only its name")
    func secretFileContentChange() throws {
        let file = try folder.write("s3-secret", "rejected-secret\n")
        let environment = ["VIDEOHOOKD_S3_BUCKET": "videos", "VIDEOHOOKD_S3_ACCESS_KEY_ID": S3Example.keyID,
                           "VIDEOHOOKD_S3_SECRET_ACCESS_KEY_FILE": file]
        let old = try Settings.load(file: nil, environment: environment)
        _ = try folder.write("s3-secret", "fixed-secret\n")
        let new = try Settings.load(file: nil, environment: environment)
        let changes = new.liveChanges(from: old)
        #expect(changes.applied == [.s3SecretAccessKey] && changes.needRestart.isEmpty)
        let kept = new.keepingRunningValues(of: changes.needRestart, from: old)
        #expect(kept.s3?.credentials.secretAccessKey.value == "fixed-secret")
    }

    @Test("New credentials apply while a changed bucket, endpoint and part size wait for a restart")
    func mixedChange() {
        var new = Self.running
        new.s3?.credentials = S3Credentials(accessKeyID: "AKIANEWKEY0000000000", secretAccessKey: Secret("new-secret"),
                                            sessionToken: Secret("token"))
        new.s3?.bucket = "elsewhere"
        new.s3?.endpoint = "https://storage.example"
        new.s3?.region = "eu-west-1"
        new.s3?.prefix = "p/"
        new.s3?.pathStyle = true
        new.s3?.storageClass = "GLACIER_IR"
        new.s3?.partSize = 8 << 20
        new.s3?.keepLocal = true
        new.s3?.caFile = "/ca.pem"
        let (applied, needRestart) = new.liveChanges(from: Self.running)
        #expect(applied == [.s3AccessKeyID, .s3SecretAccessKey, .s3SessionToken])
        #expect(needRestart == [.s3Bucket, .s3Endpoint, .s3Region, .s3Prefix, .s3PathStyle, .s3StorageClass,
                                .s3PartSize, .s3KeepLocal, .s3CAFile])
        let kept = new.keepingRunningValues(of: needRestart, from: Self.running)
        var expected = Self.running.s3!
        expected.credentials = new.s3!.credentials
        #expect(kept.s3 == expected)
        let after = kept.liveChanges(from: Self.running)
        #expect(after.applied == applied && after.needRestart.isEmpty)
    }

    @Test("Turning object storage on or off needs a restart, credentials and all, and keeps what runs")
    func toggle() {
        let off = Settings()
        let on = Self.running
        let turnedOn = on.liveChanges(from: off)
        #expect(turnedOn.applied.isEmpty)
        #expect(turnedOn.needRestart.contains(.s3Bucket) && turnedOn.needRestart.contains(.s3SecretAccessKey))
        #expect(on.keepingRunningValues(of: turnedOn.needRestart, from: off).s3 == nil)

        let turnedOff = off.liveChanges(from: on)
        #expect(turnedOff.applied.isEmpty && turnedOff.needRestart.contains(.s3AccessKeyID))
        #expect(off.keepingRunningValues(of: turnedOff.needRestart, from: on).s3 == on.s3)
    }
}

extension Settings {
    static func withS3(_ s3: S3Settings) -> Settings {
        var settings = Settings()
        settings.s3 = s3
        return settings
    }
}
