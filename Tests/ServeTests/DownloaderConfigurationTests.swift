import Downloader
@testable import Serve
import Settings
import Testing

/// What `serve` makes of the settings for the downloader where the object store changes it.
@Suite("The downloader's configuration from the settings")
struct DownloaderConfigurationTests {
    static let credentials = S3Settings.Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: Secret("secret"))

    @Test("without a bucket the partial file is checkpointed every 256 MiB, as the file archive always was")
    func fileArchiveCadence() {
        let configuration = ServeRuntime.downloaderConfiguration(Settings())
        #expect(configuration.checkpointBytes == 256 << 20)
    }

    @Test("with a bucket a checkpoint comes every part, so that each part can go up as soon as it is written")
    func bucketCadence() {
        var settings = Settings()
        settings.s3 = S3Settings(bucket: "videos", credentials: Self.credentials, partSize: 5 << 20)
        #expect(ServeRuntime.downloaderConfiguration(settings).checkpointBytes == 5 << 20)
        settings.s3 = S3Settings(bucket: "videos", credentials: Self.credentials, partSize: 1 << 30)
        #expect(ServeRuntime.downloaderConfiguration(settings).checkpointBytes == 256 << 20,
                "a part larger than the file archive's cadence keeps that cadence")
    }
}
