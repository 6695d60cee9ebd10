import Foundation
import TestSupport

/// A fresh folder under the system's temporary folder, removed when released.
final class TemporaryDirectory: @unchecked Sendable {
    // Sendable: `path` never changes after init.
    let path: String

    init(_ prefix: String = "downloader-test") {
        let base = FileManager.default.temporaryDirectory.path
        var template = Array((base + "/\(prefix)-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { fatalError("mkdtemp failed: errno \(errno)") }
        path = String(cString: made)
    }

    func file(_ name: String) -> String { path + "/" + name }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
