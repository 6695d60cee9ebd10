import Foundation
import Testing
@testable import Ledger

@Suite("The results column holds the result URLs as a JSON array")
struct ResultsColumnTests {
    private func decoded(_ text: String?) throws -> [String]? {
        try text.map { try JSONDecoder().decode([String].self, from: Data($0.utf8)) }
    }

    @Test("plain URLs, one or several, read back the same", arguments: [
        ["https://media.example.com/v/a.mp4?X-Expires=86400&sig=abc"],
        ["https://media.example.com/v/a.mp4", "https://media.example.com/v/a.jpg", "https://x.example/é/ü"],
    ])
    func plainURLs(results: [String]) throws {
        let text = try Ledger.resultsJSON(results)
        #expect(try decoded(text) == results)
        #expect(text?.contains(#"\/"#) == false, "slashes are not escaped")
    }

    @Test("strings JSON must escape are escaped, and read back the same")
    func escapedStrings() throws {
        let results = [#"https://x.example/a"b"#, #"https://x.example/back\slash"#, "https://x.example/tab\there", "\u{1}"]
        let text = try #require(try Ledger.resultsJSON(results))
        #expect(try decoded(text) == results)
        #expect(text.contains(#"a\"b"#) && text.contains(#"back\\slash"#) && text.contains(#"tab\there"#))
    }

    @Test("no results, no array")
    func empty() throws {
        #expect(try Ledger.resultsJSON([]) == nil)
    }
}
