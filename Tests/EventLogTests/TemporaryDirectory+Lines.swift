import Foundation
import TestSupport

extension TemporaryDirectory {
    func lines(of name: String) throws -> [String] {
        // Split on bytes: splitting 30 MB by Characters takes seconds in a debug build.
        let text = try contents(of: name)
        return text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
            .map { String(Substring($0)) }
    }

    func contents(of name: String) throws -> String {
        try String(contentsOfFile: file(name), encoding: .utf8)
    }
}
