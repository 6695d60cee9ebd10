import TLS

/// A read or write that failed on a client connection, TLS or plain: the sentence to
/// report, and whether the socket's timeout ran out (a read waits on after a tick).
struct ClientTransportError: Error {
    var message: String
    var isTimeout: Bool

    init(_ message: String, isTimeout: Bool = false) {
        self.message = message
        self.isTimeout = isTimeout
    }

    init(_ error: TLSError) {
        self.init(error.message, isTimeout: error.kind == .timeout)
    }
}
