import Glibc

/// A request body read from an open file: `length` bytes from `offset`, sent through one
/// reused buffer, so memory stays the same for a 4 GiB video as for a small one (an
/// object store's upload of one part of an archived file). The caller owns the
/// descriptor and keeps it open for the request; `pread` leaves its offset alone, so one
/// descriptor may serve several ranges.
public struct FileRangeBody: Sendable {
    public let fd: Int32
    public let offset: Int64
    public let length: Int64

    public init(fd: Int32, offset: Int64, length: Int64) {
        precondition(offset >= 0 && length >= 0, "a file range starts at 0 or later and is not negative")
        self.fd = fd
        self.offset = offset
        self.length = length
    }

    /// The chunk read and written at a time.
    static let chunkBytes = 64 << 10

    /// Reads the range chunk by chunk and hands each to `write` (the client's socket; a
    /// caller's digest of the same range before it sends). A file that ends early
    /// (truncated under us) fails for good: a request head has promised the length.
    public func stream(_ write: (UnsafeRawBufferPointer) throws(HTTPClientFailure) -> Void) throws(HTTPClientFailure) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkBytes, alignment: 16)
        defer { buffer.deallocate() }
        var sent: Int64 = 0
        while sent < length {
            let want = Int(min(Int64(Self.chunkBytes), length - sent))
            let count = pread(fd, buffer.baseAddress, want, off_t(offset + sent))
            if count < 0 {
                if errno == EINTR { continue }
                throw .permanent("reading the request body from the file at \(offset + sent): \(String(cString: strerror(errno)))")
            }
            guard count > 0 else {
                throw .permanent("the file ended after \(sent) of the \(length) bytes of the request body")
            }
            try write(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            sent += Int64(count)
        }
    }
}
