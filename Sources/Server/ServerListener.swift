/// A listening socket the server accepts on: bound by `SystemSocket.listen` or handed
/// over by systemd (socket activation). With `tls` set it is the callback listener;
/// without, plain HTTP (the admin listener on loopback).
public struct ServerListener: Sendable {
    public var fd: Int32
    public var tls: TLSContextStore?
    public var router: Router
    /// "callbacks", "admin": names the listener in log lines.
    public var name: String

    public init(fd: Int32, tls: TLSContextStore?, router: Router, name: String) {
        self.fd = fd
        self.tls = tls
        self.router = router
        self.name = name
    }
}
