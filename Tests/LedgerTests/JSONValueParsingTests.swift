import Foundation
import Testing
@testable import VideoAPI

@Suite("JSON text is parsed into JSONValue with every type kept apart")
struct JSONValueParsingTests {
    private func parse(_ text: String) throws -> JSONValue {
        try JSONValue(parsing: Data(text.utf8))
    }

    @Test("booleans stay booleans, and 0 and 1 stay integers")
    func booleansAreNotNumbers() throws {
        #expect(try parse("[true, false, 0, 1]") == .array([.bool(true), .bool(false), .integer(0), .integer(1)]))
    }

    @Test("integers keep their value across Int64; what does not fit becomes a number")
    func integersAndNumbers() throws {
        #expect(try parse("[-1, 127, 128, -2147483649, 1099511627776, 9223372036854775807]") == .array([
            .integer(-1), .integer(127), .integer(128), .integer(-2_147_483_649), .integer(1_099_511_627_776),
            .integer(Int64.max),
        ]))
        #expect(try parse("9223372036854775808") == .number(9_223_372_036_854_775_808))
        #expect(try parse("[1.5, 1e2, -0.25]") == .array([.number(1.5), .number(100), .number(-0.25)]))
        #expect(try parse("1.0").int64Value == 1)
    }

    @Test("strings, null, objects and nesting")
    func strings() throws {
        #expect(try parse(#""caf\u00e9 \"x\"\n""#) == .string("café \"x\"\n"))
        #expect(try parse(#"{"a": null, "b": {"c": ["d"]}}"#) == .object([
            "a": .null, "b": .object(["c": .array([.string("d")])]),
        ]))
    }

    @Test("a lone value at the top is parsed, so callers can name what they got")
    func fragments() throws {
        #expect(try parse("42") == .integer(42))
        #expect(try parse(#""x""#) == .string("x"))
        #expect(try parse("null") == .null)
    }

    @Test("text that is not JSON throws", arguments: ["", " ", "{", "{\"a\":}", "[1 2]", "01", "nul", "{'a':1}", "1e400"])
    func notJSON(text: String) {
        #expect(throws: (any Error).self) { try parse(text) }
    }

    /// JSONSerialization's one leniency: harmless, and a callback is better taken than refused.
    @Test("the conversion reads Foundation's types and Swift's alike: strings, numbers, null, nested")
    func foundationObjectsConvert() throws {
        let object: [String: Any] = ["s": NSString(string: "x"), "n": NSNumber(value: 7), "z": NSNull(),
                                     "b": NSNumber(value: true), "a": [NSString(string: "y"), 1.5] as [Any]]
        #expect(try JSONValue(serialized: object)
            == .object(["s": .string("x"), "n": .integer(7), "z": .null, "b": .bool(true),
                        "a": .array([.string("y"), .number(1.5)])]))
        #expect(throws: (any Error).self) { try JSONValue(serialized: Date()) }
    }

    @Test("a trailing comma is accepted")
    func trailingComma() throws {
        #expect(try parse(#"{"a": [1,],}"#) == .object(["a": .array([.integer(1)])]))
    }

    @Test("bytes that are not UTF-8 throw")
    func invalidUTF8() {
        #expect(throws: (any Error).self) { try JSONValue(parsing: Data([0x22, 0xFF, 0xFE, 0x22])) }
    }

    @Test("nesting past 512 levels throws instead of exhausting the stack")
    func deepNesting() throws {
        let shallow = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(try parse(shallow).arrayValue?.count == 1)
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: (any Error).self) { try parse(deep) }
    }
}
