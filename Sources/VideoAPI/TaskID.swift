/// A task id that is safe to use as a file name.
///
/// The id becomes `<archive>/<yyyy>/<mm>/<dd>/<task-id>.mp4` and `.json`, so it must not
/// be able to name anything else: no `/`, no `.` (hence no `..`), no control character,
/// no empty name, nothing a file system could fold or normalise into another name
/// (ASCII letters only, no Unicode look-alikes). Letters, digits, `-` and `_`, 1 to 128
/// characters: every real id (`task-unified-<unix>-<8 chars>`) fits with room to spare,
/// and any other safe id is accepted too, because refusing a real callback over a
/// format guess would lose a video.
public struct TaskID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let maxLength = 128

    public let rawValue: String

    public init(validating string: String) throws(Invalid) {
        if string.isEmpty { throw .empty }
        var count = 0
        for scalar in string.unicodeScalars {
            guard Self.isAllowed(scalar) else {
                throw .forbiddenCharacter(scalar, offset: count)
            }
            count += 1
            if count > Self.maxLength { throw .tooLong(length: string.unicodeScalars.count) }
        }
        rawValue = string
    }

    /// The id, or nil when it is not safe as a file name.
    public init?(_ string: String) {
        guard let id = try? TaskID(validating: string) else { return nil }
        self = id
    }

    public var description: String { rawValue }

    public static func < (lhs: TaskID, rhs: TaskID) -> Bool { lhs.rawValue < rhs.rawValue }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "_": true
        default: false
        }
    }

    /// Why a string is not a safe task id; the description says what to fix.
    public enum Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        case empty
        case tooLong(length: Int)
        case forbiddenCharacter(Unicode.Scalar, offset: Int)

        public var description: String {
            switch self {
            case .empty:
                "the task id is empty; an id has 1 to \(TaskID.maxLength) letters, digits, '-' or '_'"
            case .tooLong(let length):
                "the task id has \(length) characters; at most \(TaskID.maxLength) are allowed"
            case .forbiddenCharacter(let scalar, let offset):
                "the task id contains \(Self.describe(scalar)) at position \(offset); only letters, digits, '-' and '_' are allowed, because the id becomes a file name"
            }
        }

        /// A printable ASCII character in quotes, anything else as U+XXXX, so that a
        /// message never carries a control character or a look-alike from outside.
        private static func describe(_ scalar: Unicode.Scalar) -> String {
            if scalar.value >= 0x21 && scalar.value < 0x7F {
                return "'\(Character(scalar))'"
            }
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
    }
}

extension TaskID: Codable {
    public init(from decoder: any Decoder) throws {
        let string = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(validating: string)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
