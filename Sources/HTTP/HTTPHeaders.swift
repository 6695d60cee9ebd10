/// Header fields in the order they were received or added. Names keep their spelling;
/// lookups ignore ASCII case, as RFC 9110 §5.1 asks. Repeated names stay separate
/// entries, so nothing is lost or merged behind the caller's back.
public struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral,
    CustomStringConvertible
{
    public typealias Element = (name: String, value: String)

    private var fields: [Element]

    public init(_ pairs: [(String, String)] = []) {
        fields = pairs.map { (name: $0.0, value: $0.1) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    init(fields: [Element]) {
        self.fields = fields
    }

    public var count: Int { fields.count }
    public var isEmpty: Bool { fields.isEmpty }

    /// The first value of `name`, ignoring the case of the name.
    public subscript(_ name: String) -> String? {
        fields.first { ASCIICaseInsensitive.equals($0.name, name) }?.value
    }

    /// Every value of `name` in order, ignoring the case of the name.
    public func values(_ name: String) -> [String] {
        fields.compactMap { ASCIICaseInsensitive.equals($0.name, name) ? $0.value : nil }
    }

    public func contains(_ name: String) -> Bool {
        fields.contains { ASCIICaseInsensitive.equals($0.name, name) }
    }

    /// Appends a field, keeping any earlier one of the same name.
    public mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: value))
    }

    /// Sets the value of the first field named `name` and removes the others of that
    /// name; appends the field when there is none.
    public mutating func replaceOrAdd(_ name: String, _ value: String) {
        guard let first = fields.firstIndex(where: { ASCIICaseInsensitive.equals($0.name, name) }) else {
            add(name, value)
            return
        }
        fields[first].value = value
        var index = fields.index(after: first)
        while index < fields.endIndex {
            if ASCIICaseInsensitive.equals(fields[index].name, name) {
                fields.remove(at: index)
            } else {
                index += 1
            }
        }
    }

    /// Removes every field named `name`.
    public mutating func remove(_ name: String) {
        fields.removeAll { ASCIICaseInsensitive.equals($0.name, name) }
    }

    public func makeIterator() -> IndexingIterator<[Element]> {
        fields.makeIterator()
    }

    /// Equal when the same names (same spelling) carry the same values in the same order.
    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    public var description: String {
        fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    }
}
