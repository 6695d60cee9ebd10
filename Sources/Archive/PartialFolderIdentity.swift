import Glibc

/// Which archive folder a partial file is in: a random id kept in
/// `<archive_dir>/.partial-id`, made the first time the downloader starts there.
///
/// Several instances share one ledger, each with its own archive folder (or one
/// shared folder). A job's `bytes_done` describes the partial file of the folder that
/// last wrote it, which the ledger records with this id; a partial file of the same job
/// in another folder (one instance took the job over from another and moved it on, then
/// lost it back) holds other bytes, perhaps of another version of the video, and is not
/// resumed. Kept beside `.partial`, not in it, so the sweep of orphan partial files
/// leaves it alone; the same folder after a restart has the same id.
public enum PartialFolderIdentity {
    public static let fileName = ".partial-id"

    /// The folder's id, made (`arch_` and 16 random hex digits) and written durably
    /// when it has none.
    public static func loadOrCreate(in layout: ArchiveLayout) throws(ArchiveError) -> String {
        let path = layout.root + "/" + fileName
        if let existing = read(path) { return existing }
        try ArchiveFileSystem.makeDirectories(layout.root)
        var generator = SystemRandomNumberGenerator()
        let hex = String(generator.next() as UInt64, radix: 16)
        let id = "arch_" + String(repeating: "0", count: 16 - hex.count) + hex
        try ArchiveFileSystem.writeAtomically(Array((id + "\n").utf8), to: path, through: path + ".tmp")
        return id
    }

    private static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let text = String(String(decoding: buffer[0..<count], as: UTF8.self).filter { !$0.isWhitespace })
        return text.hasPrefix("arch_") && text.count > 5 ? text : nil
    }
}
