/// A name that `ArchiveName.isSafe` refused.
public struct UnsafeArchiveName: Error, Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var description: String {
        "\"\(name.prefix(64))\" is not safe as an archive file name (letters, digits, '-' and '_' only, at most \(ArchiveName.maxLength))"
    }
}
