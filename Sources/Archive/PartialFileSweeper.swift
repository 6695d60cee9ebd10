import Glibc

/// Removes the files in `<archive>/.partial` that no job owns: what a job that failed,
/// finished or vanished left behind, and anything else put there. The downloader runs it
/// at start, once crashed `running` jobs are `queued` again, before any worker runs.
public enum PartialFileSweeper {
    /// Removes every file whose task is not in `owners`; returns the removed names, sorted.
    /// A missing `.partial` folder holds nothing to remove.
    public static func removeOrphans(in layout: ArchiveLayout, owners: Set<String>) throws(ArchiveError) -> [String] {
        let directory = layout.partialDirectory
        guard let handle = opendir(directory) else {
            if errno == ENOENT { return [] }
            throw ArchiveError("opendir", path: directory)
        }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name == "." || name == ".." { continue }
            // Only files: a folder someone made here is not ours to remove.
            if entry.pointee.d_type == UInt8(DT_DIR) { continue }
            names.append(name)
        }
        closedir(handle)
        var removed: [String] = []
        for name in names.sorted() {
            if let parsed = PartialFileName(parsing: name), owners.contains(parsed.taskID) { continue }
            try ArchiveFileSystem.remove(directory + "/" + name)
            removed.append(name)
        }
        if !removed.isEmpty { try ArchiveFileSystem.syncDirectory(directory) }
        return removed
    }
}
