import Foundation

/// The name-value pairs of a URL's query or of an `application/x-www-form-urlencoded`
/// body (`+` is a space, `%XX` a byte). A pair that does not decode as UTF-8 is kept
/// undecodable (nil value) so that the caller can refuse it by name.
struct QueryString {
    /// The most pairs read; more is a 400.
    static let maxPairs = 32

    private(set) var pairs: [(name: String, value: String?)] = []

    init(_ text: Substring) {
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            let nameValue = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(nameValue[0]) ?? String(nameValue[0])
            let value = nameValue.count > 1 ? Self.decode(nameValue[1]) : ""
            pairs.append((name, value))
        }
    }

    /// The query of a request target (`/path?a=1`); empty without one.
    init(target: String) {
        guard let question = target.firstIndex(of: "?") else { self.init(""[...]); return }
        let afterQuestion = target[target.index(after: question)...]
        let query = afterQuestion.firstIndex(of: "#").map { afterQuestion[..<$0] } ?? afterQuestion
        self.init(query)
    }

    /// The values given for `name`, in order.
    func values(_ name: String) -> [String?] {
        pairs.filter { $0.name == name }.map(\.value)
    }

    var names: [String] { pairs.map(\.name) }

    private static func decode(_ text: Substring) -> String? {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
