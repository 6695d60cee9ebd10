import Foundation

/// Makes the folders the daemon writes to, with a message that says which one failed.
enum StateFolder {
    static func prepare(_ paths: [String]) throws {
        for path in paths {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o750])
            } catch {
                throw ServeError("cannot create the folder \(path): \(error.localizedDescription); "
                                 + "check the path and its permissions (state_dir, archive_dir, log_file)")
            }
        }
    }
}

/// A start-up failure, said in words for the operator.
struct ServeError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
