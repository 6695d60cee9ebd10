import Glibc
import Settings
import Transport

/// Turns a `listen` setting into a bound, listening socket.
enum ListenerBinder {
    static func bind(_ address: ListenAddress, setting: String) throws -> Int32 {
        let host = address.host == "localhost" ? "127.0.0.1" : address.host
        let socketAddress: SocketAddress
        do {
            socketAddress = try SocketAddress(host: host, port: address.port)
        } catch {
            throw ServeError("\(setting) \(address): \(error); use a numeric address such as 0.0.0.0 or [::]")
        }
        do {
            return try SystemSocket.listen(on: socketAddress)
        } catch {
            var hint = ""
            if error.errno == EADDRINUSE { hint = "; another process listens there (ss -ltnp), or change \(setting)" }
            if error.errno == EACCES { hint = "; ports below 1024 need CAP_NET_BIND_SERVICE" }
            throw ServeError("\(setting) \(address): \(error.reason)\(hint)")
        }
    }
}
