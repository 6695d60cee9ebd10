import Glibc

/// Finds a program by name in a `PATH` value, as a shell would, once at start: what runs
/// later is the absolute path found here, never a lookup at the time of each run.
public enum ExecutableSearch {
    /// The first `<dir>/<name>` in `path` that is an executable regular file; nil when none.
    /// Empty entries (the current directory, in a shell) are skipped on purpose: a daemon's
    /// working directory is no place to pick programs from.
    public static func find(_ name: String, in path: String?) -> String? {
        guard let path, !name.isEmpty, !name.contains("/") else { return nil }
        for folder in path.split(separator: ":", omittingEmptySubsequences: true) where folder.hasPrefix("/") {
            let candidate = (folder.hasSuffix("/") ? String(folder.dropLast()) : String(folder)) + "/" + name
            var info = stat()
            if stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }
}
