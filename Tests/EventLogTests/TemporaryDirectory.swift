import Foundation

/// A fresh folder under /tmp for one test, removed when the test is done with it.
final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/eventlog-tests-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed: \(String(cString: strerror(errno)))")
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String {
        path + "/" + name
    }

    func lines(of name: String) throws -> [String] {
        // Split on bytes: splitting 30 MB by Characters takes seconds in a debug build.
        let text = try String(contentsOfFile: file(name), encoding: .utf8)
        return text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
            .map { String(Substring($0)) }
    }

    func contents(of name: String) throws -> String {
        try String(contentsOfFile: file(name), encoding: .utf8)
    }
}
