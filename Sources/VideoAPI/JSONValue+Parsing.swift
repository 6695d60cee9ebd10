import Foundation

extension JSONValue {
    /// Parses JSON text, any value at the top (`42` and `"x"` too, so a caller can say
    /// what it got instead of only "not JSON").
    ///
    /// Through `JSONSerialization`, not `JSONDecoder`: `Decodable` has no way to ask
    /// which type comes next, so decoding a loose value tries each type in turn, and
    /// every miss throws an error with its coding path. That made decoding a callback
    /// body the largest cost of the intake after the TLS handshake.
    /// `JSONSerialization` also refuses nesting deeper than 512, so a hostile body
    /// cannot exhaust the stack here.
    public init(parsing data: Data) throws {
        let object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        self = try JSONValue(serialized: object)
    }

    /// Converts what `JSONSerialization` returns.
    ///
    /// The dynamic type is looked at before any cast: a cast that fails (an NSNumber to
    /// `[String: Any]`, a dictionary to NSNumber) goes through the runtime's bridging,
    /// which costs more than the rest of the conversion.
    init(serialized object: Any) throws {
        let dynamicType = Swift.type(of: object)
        if dynamicType == String.self, let string = object as? String {
            self = .string(string)
        } else if dynamicType is NSNumber.Type, let number = object as? NSNumber {
            self = JSONValue(number: number)
        } else if let fields = object as? [String: Any] {
            var converted: [String: JSONValue] = [:]
            converted.reserveCapacity(fields.count)
            for (key, value) in fields { converted[key] = try JSONValue(serialized: value) }
            self = .object(converted)
        } else if let items = object as? [Any] {
            self = .array(try items.map { try JSONValue(serialized: $0) })
        } else if object is NSNull {
            self = .null
        } else if let string = object as? String {
            // The casts the types above skipped, for values JSONSerialization on Linux
            // does not return (an NSString, a Swift number): a Foundation that did would
            // still be read.
            self = .string(string)
        } else if let number = object as? NSNumber {
            self = JSONValue(number: number)
        } else {
            throw JSONValueParsingError(typeName: "\(dynamicType)")
        }
    }

    /// `true` and `false` come as NSNumbers of type `c` (char); JSON numbers never do
    /// (small integers are `i`, others `q`, `Q` or `d`). `0 is Bool` is true on Linux, so
    /// the type code is the reliable test.
    private init(number: NSNumber) {
        switch UInt8(bitPattern: number.objCType.pointee) {
        case UInt8(ascii: "c"), UInt8(ascii: "B"):
            self = .bool(number.boolValue)
        case UInt8(ascii: "i"), UInt8(ascii: "q"), UInt8(ascii: "l"), UInt8(ascii: "s"):
            self = .integer(number.int64Value)
        default:
            // Fractions, exponents, and integers beyond Int64 (`Q`, decimals).
            self = .number(number.doubleValue)
        }
    }
}

/// `JSONSerialization` returned a type it is not documented to return.
struct JSONValueParsingError: Error, CustomStringConvertible {
    let typeName: String
    var description: String { "JSON parsing returned an unexpected \(typeName)" }
}
