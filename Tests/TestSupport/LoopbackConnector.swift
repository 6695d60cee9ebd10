import HTTPClient
import Synchronization
import Transport
import URLPolicy

/// Connects every checked address to the file server on 127.0.0.1 and remembers which
/// addresses it was asked for: lets the URL policy judge a public address (with
/// `allow_internal` off) while the bytes come from loopback.
public final class LoopbackConnector: SocketConnector, Sendable {
    public let port: Int
    private let asked = Mutex<[IPAddress]>([])

    public init(port: Int) { self.port = port }

    public var addressesAsked: [IPAddress] { asked.withLock { $0 } }

    public func connect(to address: IPAddress, port: Int, timeoutMilliseconds: Int32,
                 ioTimeoutMilliseconds: Int32) throws(SocketError) -> Int32 {
        asked.withLock { $0.append(address) }
        return try SystemSocketConnector().connect(to: IPAddress(127, 0, 0, 1), port: self.port,
                                                   timeoutMilliseconds: timeoutMilliseconds,
                                                   ioTimeoutMilliseconds: ioTimeoutMilliseconds)
    }
}
