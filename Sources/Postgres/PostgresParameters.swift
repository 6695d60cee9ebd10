import CLibPQ

/// A statement's parameters laid out as PQexecParams and PQsendQueryParams take them:
/// four parallel C arrays, each value in memory of its own that lives until `deinit`. A
/// class, so that a pipeline can make every statement's before it sends the first.
/// Text values end with a NUL (libpq reads them as C strings); binary ones carry their
/// length.
final class PostgresParameters {
    let count: Int32
    let types: [Oid]
    let values: [UnsafePointer<CChar>?]
    let lengths: [Int32]
    let formats: [Int32]

    init(_ parameters: [PostgresValue?]) throws(PostgresError) {
        guard parameters.count <= Int(UInt16.max) else {
            throw .misuse("\(parameters.count) parameters: the protocol allows at most 65535")
        }
        let encoded = parameters.map { $0.map { ($0.typeOID, $0.wireBytes) } }
        // Checked before anything is allocated, so a refusal leaks nothing.
        for (index, value) in encoded.enumerated() {
            guard let (_, (bytes, binary)) = value else { continue }
            if !binary, bytes.contains(0) {
                throw .misuse("parameter $\(index + 1) holds a NUL character, which PostgreSQL text cannot store")
            }
            guard bytes.count < Int(Int32.max) else { throw .misuse("parameter $\(index + 1) is over 2 GiB") }
        }
        count = Int32(parameters.count)
        types = encoded.map { $0?.0 ?? 0 }
        lengths = encoded.map { Int32($0?.1.bytes.count ?? 0) }
        formats = encoded.map { $0?.1.binary == true ? 1 : 0 }
        values = encoded.map { value in
            guard let (_, (bytes, _)) = value else { return nil }
            // One byte more than the value: the text's NUL, and never a zero-size allocation.
            let memory = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            bytes.withUnsafeBytes { source in
                if let base = source.baseAddress { UnsafeMutableRawPointer(memory).copyMemory(from: base, byteCount: source.count) }
            }
            memory[bytes.count] = 0
            return UnsafePointer(memory)
        }
    }

    deinit {
        for pointer in values { pointer?.deallocate() }
    }
}
