import Glibc
import Transport
import URLPolicy

/// Opens the TCP connection under a request. The system one connects to exactly the
/// address it is given, one the URL policy checked; tests put a double here to reach a
/// loopback server while the policy judges a public address.
public protocol SocketConnector: Sendable {
    func connect(to address: IPAddress, port: Int, timeoutMilliseconds: Int32,
                 ioTimeoutMilliseconds: Int32) throws(SocketError) -> Int32
}

public struct SystemSocketConnector: SocketConnector {
    public init() {}

    public func connect(to address: IPAddress, port: Int, timeoutMilliseconds: Int32,
                        ioTimeoutMilliseconds: Int32) throws(SocketError) -> Int32 {
        var (storage, length) = address.socketAddress(port: UInt16(port))
        guard let socketAddress = withUnsafeBytes(of: &storage, {
            SocketAddress(storage: $0.baseAddress!, length: length)
        }) else { throw SocketError("connect \(address)", errno: EAFNOSUPPORT) }
        return try SystemSocket.connect(to: socketAddress, timeoutMilliseconds: timeoutMilliseconds,
                                        ioTimeoutMilliseconds: ioTimeoutMilliseconds)
    }
}
