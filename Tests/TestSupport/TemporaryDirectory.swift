import Foundation
import Synchronization

/// A fresh, empty folder under the system's temporary folder (`$TMPDIR`, else /tmp), made
/// by `mkdtemp` as `<prefix>-XXXXXX`, and removed with everything in it when the last
/// reference to it goes: a test keeps it in a constant (or a stored property) for as long
/// as it uses the folder.
///
/// Sendable: `path` never changes after `init`.
public final class TemporaryDirectory: Sendable {
    public let path: String

    /// - Parameter prefix: the folder's name before the random part, to tell whose folder
    ///   a leftover is; by default `videohookd-` and the calling test module, such as
    ///   `videohookd-LedgerTests`.
    public init(prefix: String? = nil, fileID: StaticString = #fileID) {
        let module = "\(fileID)".split(separator: "/").first.map(String.init) ?? "tests"
        let base = FileManager.default.temporaryDirectory.path
        var template = Array((base + "/" + (prefix ?? "videohookd-" + module) + "-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            fatalError("mkdtemp in \(base) failed: \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The folder as a file URL.
    public var url: URL { URL(fileURLWithPath: path, isDirectory: true) }

    /// The path of `name` (which may hold slashes) in the folder.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes `text` to `name` in the folder and returns the file's path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let file = file(name)
        try text.write(toFile: file, atomically: false, encoding: .utf8)
        return file
    }

    /// A folder that lives as long as the test process, for what every test shares (the
    /// file server's files, the test certificates): removed when the process exits normally.
    public static func untilExit(prefix: String) -> TemporaryDirectory {
        _ = removalAtExit
        let directory = TemporaryDirectory(prefix: prefix)
        keptUntilExit.withLock { $0.append(directory) }
        return directory
    }

    private static let keptUntilExit = Mutex<[TemporaryDirectory]>([])

    /// Registers the removal once, the first time a folder is kept until exit.
    private static let removalAtExit: Void = {
        atexit { TemporaryDirectory.keptUntilExit.withLock { $0.removeAll() } }
    }()
}
