import HTTPClient
import ObjectStore
import Settings
import TLS
import Transport
import URLPolicy

/// Makes the object store's client from `s3.*`: the endpoint (region, addressing
/// style), a TLS context trusting the system's store plus `s3.ca_file`, the URL policy
/// of the operator's own endpoint, the timeouts. What is fixed until a restart (where
/// the bucket is, whom to trust) is made once, in `init`; ``makeClient(credentials:)``
/// then makes a client for each set of credentials, which is what SIGHUP changes. The
/// upload pipeline takes its client from the same factory (through an
/// ``S3ClientHolder``), so that there is one way to reach the bucket.
struct S3ClientFactory: Sendable {
    let endpoint: S3Endpoint
    let http: HTTPSClient

    /// A connection that does not open in this long fails (and is retried later).
    static let connectTimeout: Duration = .seconds(10)
    /// No byte for this long fails the request: a stalled store, or a firewall that drops.
    static let readTimeout: Duration = .seconds(60)
    /// From the request sent to the whole answer read: CompleteMultipartUpload of many
    /// parts may take a while on AWS.
    static let defaultResponseTimeout: Duration = .seconds(120)

    /// Throws a ``ServeError`` naming the setting when the endpoint, the bucket's name
    /// or `s3.ca_file` cannot be used.
    init(settings: S3Settings, resolver: any HostResolver = SystemHostResolver(),
         connector: any SocketConnector = SystemSocketConnector()) throws(ServeError) {
        do {
            endpoint = try S3Endpoint(bucket: settings.bucket, region: settings.region, endpoint: settings.endpoint,
                                      pathStyle: settings.pathStyle)
        } catch {
            throw ServeError("s3: \(error.message)")
        }
        let tls: TLSClientContext
        do {
            tls = try TLSClientContext(extraCAFile: settings.caFile, caFileSetting: "s3.ca_file")
        } catch {
            throw ServeError("s3: \(error)")
        }
        http = HTTPSClient(tls: tls, policy: Self.policy(resolver: resolver), connector: connector,
                           timeouts: .init(connectMilliseconds: Self.connectTimeout.milliseconds,
                                           readMilliseconds: Self.readTimeout.milliseconds),
                           userAgent: "videohookd/1.0 (object store)")
    }

    /// The endpoint is the operator's own choice, not a URL from outside: as for the
    /// notifier's webhooks, plain `http` and internal addresses (a MinIO on the LAN, a
    /// store on loopback) are allowed. Every request of the client goes to that one
    /// endpoint (S3 redirects are not followed), so the wider policy reaches nothing else.
    static func policy(resolver: any HostResolver) -> URLPolicy {
        URLPolicy(allowInternal: true, allowPlainHTTP: true, resolver: resolver)
    }

    /// A client that signs with `credentials`; `responseTimeout` bounds each request from
    /// sent to answered (shorter for the bucket checks, which must not hold up a stop).
    func makeClient(credentials: S3Settings.Credentials,
                    responseTimeout: Duration = S3ClientFactory.defaultResponseTimeout) -> S3Client {
        S3Client(endpoint: endpoint, credentials: Self.signing(credentials), http: http,
                 responseTimeout: responseTimeout)
    }

    /// A ready client from the settings alone: the factory and its one client.
    static func makeClient(settings: S3Settings, resolver: any HostResolver = SystemHostResolver()) throws(ServeError) -> S3Client {
        try S3ClientFactory(settings: settings, resolver: resolver).makeClient(credentials: settings.credentials)
    }

    /// The settings' credentials (whose secrets print as `(set)`) as the signer takes them.
    static func signing(_ credentials: S3Settings.Credentials) -> ObjectStore.S3Credentials {
        ObjectStore.S3Credentials(accessKeyID: credentials.accessKeyID, secretAccessKey: credentials.secretAccessKey.value,
                                  sessionToken: credentials.sessionToken?.value)
    }
}
