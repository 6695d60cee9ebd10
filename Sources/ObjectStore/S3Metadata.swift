/// User metadata as `x-amz-meta-*` fields. Names are lower-case letters, digits and
/// `-`; values printable ASCII, since they travel as HTTP field values and are signed
/// as such (S3 would mangle anything else). The total stays within S3's 2 KiB.
enum S3Metadata {
    static let maxTotalBytes = 2048

    static func headers(_ metadata: [String: String], operation: String) throws(S3Error) -> [(name: String, value: String)] {
        var total = 0
        var out: [(name: String, value: String)] = []
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) {
            guard !name.isEmpty, name.utf8.allSatisfy({
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || $0 == UInt8(ascii: "-")
            }) else {
                throw .invalidRequest("metadata name \"\(name)\" is not lower-case letters, digits and '-'", operation: operation)
            }
            guard value.utf8.allSatisfy({ (0x20...0x7e).contains($0) }) else {
                throw .invalidRequest("metadata \(name) is not printable ASCII", operation: operation)
            }
            total += name.utf8.count + value.utf8.count
            out.append(("x-amz-meta-\(name)", value))
        }
        guard total <= maxTotalBytes else {
            throw .invalidRequest("metadata of \(total) bytes is more than S3's \(maxTotalBytes)", operation: operation)
        }
        return out
    }
}
