/// Why the download service could not start: the archive folder, the ledger or the
/// trusted CA file. The message names the setting to fix.
public struct DownloaderError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
