import HTTP

/// Hands a handler's answer back to the connection's event loop. A handler may answer
/// at once on the loop thread, or later from any thread (the intake answers after the
/// ledger commit); either way the answer is written by the loop that owns the socket.
/// Answering twice is harmless: the second answer is dropped.
public struct Responder: Sendable {
    let deliver: @Sendable (HTTPResponse) -> Void

    public init(_ deliver: @escaping @Sendable (HTTPResponse) -> Void) {
        self.deliver = deliver
    }

    public func callAsFunction(_ response: HTTPResponse) {
        deliver(response)
    }
}
