import COpenSSL

/// SHA-256 through OpenSSL's own `SHA256_CTX` (the block function uses SHA-NI or AVX2
/// where the CPU has them, as EVP's does), for the archive's checksums. The same OpenSSL
/// the TLS module links, so no second crypto library comes in.
///
/// Unlike EVP's opaque context, this state can be saved part-way (``midstate()``) and
/// taken up again (``init(resumingFrom:)``): a resumed upload continues the whole file's
/// digest without the bytes it already released from the disk.
///
/// Not thread-safe: one digest belongs to one download.
public final class SHA256Digest {
    private let context: UnsafeMutablePointer<SHA256_CTX>

    public init() {
        context = .allocate(capacity: 1)
        context.initialize(to: SHA256_CTX())
        reset()
    }

    /// A digest that goes on from `state`, as if it had hashed the bytes that led there.
    public convenience init(resumingFrom state: SHA256Midstate) {
        self.init()
        restore(state)
    }

    deinit {
        context.deinitialize(count: 1)
        context.deallocate()
    }

    /// Starts over, as if nothing had been hashed.
    public func reset() {
        guard vh_SHA256_Init(context) == 1 else { fatalError("SHA256_Init failed") }
    }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        _ = vh_SHA256_Update(context, bytes.baseAddress, bytes.count)
    }

    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Bytes hashed since the last reset (or the restored state's count).
    public var byteCount: Int64 {
        Int64((UInt64(context.pointee.Nh) << 32 | UInt64(context.pointee.Nl)) >> 3)
    }

    /// The state after everything hashed so far; hashing goes on unchanged.
    public func midstate() -> SHA256Midstate {
        let words = withUnsafeBytes(of: context.pointee.h) { Array($0.bindMemory(to: UInt32.self)) }
        // `data` holds the pending bytes in their order (OpenSSL copies them in as bytes).
        let tail = withUnsafeBytes(of: context.pointee.data) { Array($0.prefix(Int(context.pointee.num))) }
        guard let state = SHA256Midstate(words: words, byteCount: byteCount, tail: tail) else {
            fatalError("SHA256_CTX holds \(context.pointee.num) pending bytes after \(byteCount) bytes")
        }
        return state
    }

    /// Replaces the state with `state`: what follows is hashed as if the bytes that led
    /// to it had been.
    public func restore(_ state: SHA256Midstate) {
        reset()
        withUnsafeMutableBytes(of: &context.pointee.h) { raw in
            for (index, word) in state.words.enumerated() { raw.storeBytes(of: word, toByteOffset: index * 4, as: UInt32.self) }
        }
        let bits = UInt64(state.byteCount) << 3
        context.pointee.Nl = UInt32(truncatingIfNeeded: bits)
        context.pointee.Nh = UInt32(truncatingIfNeeded: bits >> 32)
        withUnsafeMutableBytes(of: &context.pointee.data) { raw in
            raw.copyBytes(from: state.tail)
        }
        context.pointee.num = UInt32(state.tail.count)
    }

    /// The digest of everything hashed since the last reset; the digest starts over.
    public func finish() -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        _ = vh_SHA256_Final(&output, context)
        reset()
        return output
    }

    /// The digest as 64 lower-case hex digits; the digest starts over.
    public func finishHex() -> String {
        Self.hex(finish())
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
