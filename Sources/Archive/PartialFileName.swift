/// The name of a file in `<archive>/.partial`: `<task-id>.<n>.part` for result `n`, or
/// `<task-id>.json.part` for a sidecar being written. Parsing it back tells which task
/// owns a leftover file, so files no job owns can be removed at start.
public struct PartialFileName: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case result(index: Int)
        case sidecar
    }

    public let taskID: String
    public let kind: Kind

    public init(taskID: String, index: Int) {
        self.taskID = taskID
        kind = .result(index: index)
    }

    public init(sidecarOf taskID: String) {
        self.taskID = taskID
        kind = .sidecar
    }

    /// Nil for any name this module did not make.
    public init?(parsing name: String) {
        guard name.hasSuffix(".part") else { return nil }
        let parts = name.dropLast(5).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, ArchiveName.isSafe(String(parts[0])) else { return nil }
        taskID = String(parts[0])
        if parts[1] == "json" {
            kind = .sidecar
        } else if let index = Int(parts[1]), index >= 0, String(index) == parts[1] {
            kind = .result(index: index)
        } else {
            return nil
        }
    }

    public var fileName: String {
        switch kind {
        case .result(let index): "\(taskID).\(index).part"
        case .sidecar: "\(taskID).json.part"
        }
    }
}
