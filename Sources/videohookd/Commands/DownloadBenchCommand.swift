import ArgumentParser
import Downloader
import Foundation
import Logging
import URLPolicy

/// `videohookd download-bench URL --output FILE`: one download through the daemon's own
/// client, outside the queue, for `bench/download.sh`. Hidden: not an operator's command.
struct DownloadBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download-bench",
        abstract: "Download one URL with the downloader's client and print bytes, seconds and SHA-256.",
        shouldDisplay: false)

    @Argument(help: "The https URL.")
    var url: String

    @Option(help: ArgumentHelp("Where to write the file.", valueName: "file"))
    var output: String

    @Option(name: .customLong("ca-file"), help: ArgumentHelp("Extra trusted CA certificates (PEM).", valueName: "file"))
    var caFile: String?

    @Flag(name: .customLong("allow-internal"), help: "Allow loopback and private addresses (a local server).")
    var allowInternal = false

    @Flag(name: .customLong("through-page-cache"),
          help: "Write every byte through the page cache, not whole blocks straight to the disk (O_DIRECT).")
    var throughPageCache = false

    func run() throws {
        let configuration = DownloaderConfiguration(
            archiveDirectory: (output as NSString).deletingLastPathComponent, maxBytes: Int64.max, caFile: caFile,
            diskReserveBytes: 0, writesDirect: !throughPageCache)
        let policy = URLPolicy(allowInternal: allowInternal, resolver: SystemHostResolver())
        do {
            let result = try SingleFileDownload.run(url: url, to: output, configuration: configuration, policy: policy,
                                                    logger: Logger(label: "download-bench") { _ in SwiftLogNoOpLogHandler() })
            let rate = result.seconds > 0 ? Double(result.bytes) / result.seconds : 0
            print("bytes=\(result.bytes) seconds=\(String(format: "%.3f", result.seconds)) bytes_per_second=\(Int64(rate)) sha256=\(result.sha256)")
        } catch {
            FileHandle.standardError.write(Data("videohookd download-bench: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
