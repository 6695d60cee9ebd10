import Hashing

/// What `x-amz-content-sha256` says of the body: its SHA-256 in hex, which the server
/// checks against the bytes it gets, or `UNSIGNED-PAYLOAD` when the body is left out of
/// the signature (a presigned URL; a stream whose digest is not known in advance).
public enum S3Payload: Sendable, Equatable {
    case sha256Hex(String)
    case unsigned

    /// The SHA-256 of an empty body: what a GET, HEAD or DELETE signs.
    public static let empty = S3Payload.of([])

    public static func of(_ body: [UInt8]) -> S3Payload {
        let digest = SHA256Digest()
        digest.update(body)
        return .sha256Hex(digest.finishHex())
    }

    /// The value of `x-amz-content-sha256`.
    public var headerValue: String {
        switch self {
        case .sha256Hex(let hex): hex
        case .unsigned: "UNSIGNED-PAYLOAD"
        }
    }
}
