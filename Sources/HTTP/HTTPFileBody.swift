#if canImport(Glibc)
import Glibc
#endif

/// A response body read from a file as it is written, so that a multi-gigabyte video is
/// never held in memory: an open descriptor and the byte range to send. The server
/// reads it in chunks (``read(into:at:)``) while the socket takes them.
///
/// Owns the descriptor: it is closed when the last reference goes, whether the body was
/// sent, cut short by the client, or never sent (a HEAD request).
public final class HTTPFileBody: Sendable, Equatable {
    public let descriptor: Int32
    /// The first byte sent.
    public let offset: Int64
    /// How many bytes are sent: the response's Content-Length.
    public let length: Int64

    /// Takes ownership of `descriptor`.
    public init(descriptor: Int32, offset: Int64, length: Int64) {
        precondition(offset >= 0 && length >= 0, "a file range starts and runs forwards")
        self.descriptor = descriptor
        self.offset = offset
        self.length = length
    }

    deinit {
        close(descriptor)
    }

    /// Reads up to `buffer.count` bytes at `position` (counted from ``offset``) without
    /// moving a file position, so one descriptor could serve two readers. Returns the
    /// count read; 0 means the file ended early (it was cut since it was opened).
    public func read(into buffer: UnsafeMutableRawBufferPointer, at position: Int64) -> Int {
        let wanted = Int(min(Int64(buffer.count), length - position))
        guard wanted > 0, let base = buffer.baseAddress else { return 0 }
        while true {
            let count = pread(descriptor, base, wanted, off_t(offset + position))
            if count >= 0 { return count }
            if errno != EINTR { return 0 }
        }
    }

    public static func == (lhs: HTTPFileBody, rhs: HTTPFileBody) -> Bool { lhs === rhs }
}
