import Foundation
import Synchronization

/// Folders that live as long as the test process (the shared file server's files and
/// certificates) and are removed when it exits normally.
enum TemporaryFolders {
    private static let paths = Mutex<[String]>([])
    private static let registered = Mutex(false)

    static func removeAtExit(_ path: String) {
        paths.withLock { $0.append(path) }
        let first = registered.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        if first {
            atexit {
                for path in TemporaryFolders.paths.withLock({ $0 }) {
                    try? FileManager.default.removeItem(atPath: path)
                }
            }
        }
    }
}
