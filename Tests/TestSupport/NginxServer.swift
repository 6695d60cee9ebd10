import Foundation
import Glibc

/// nginx from Debian, serving a folder over TLS on 127.0.0.1 with the tests' certificate
/// (which names 127.0.0.1), as a CDN would serve a finished video. Its own prefix, config,
/// logs and pid file in a temporary folder; stopped with the object.
public final class NginxServer: @unchecked Sendable {
    // @unchecked: set up by `init` on the test's thread; nginx is a process.
    private let folder = TemporaryDirectory(prefix: "videohookd-nginx")
    private var process: Process?
    public let port: UInt16
    /// What nginx serves at `/`.
    public var root: String { folder.file("root") }

    public init() throws {
        let certificates = try TestCertificates.shared()
        guard let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].first(where: FileManager.default.isExecutableFile) else {
            throw DaemonError("nginx is not installed: scripts/install-deps.sh test installs nginx-light")
        }
        try FileManager.default.createDirectory(atPath: folder.file("root"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder.file("logs"), withIntermediateDirectories: true)
        // A free port: bind 0, read it, close; nginx binds it a moment later.
        port = try Self.freePort()
        let config = """
            daemon off;
            master_process off;
            worker_processes 1;
            pid \(folder.file("nginx.pid"));
            error_log \(folder.file("logs/error.log")) warn;
            events { worker_connections 256; }
            http {
                access_log \(folder.file("logs/access.log"));
                client_body_temp_path \(folder.file("tmp-body"));
                proxy_temp_path \(folder.file("tmp-proxy"));
                fastcgi_temp_path \(folder.file("tmp-fastcgi"));
                uwsgi_temp_path \(folder.file("tmp-uwsgi"));
                scgi_temp_path \(folder.file("tmp-scgi"));
                types { video/mp4 mp4; }
                server {
                    listen 127.0.0.1:\(port) ssl;
                    ssl_certificate \(certificates.serverCertificate);
                    ssl_certificate_key \(certificates.serverKey);
                    root \(folder.file("root"));
                }
            }
            """
        try config.write(toFile: folder.file("nginx.conf"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: nginx)
        process.arguments = ["-p", folder.path, "-c", folder.file("nginx.conf"), "-e", folder.file("logs/error.log")]
        process.standardError = FileHandle.standardError
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let client = try? TestClient.connectTLS(port: port, caFile: certificates.caFile, serverName: "files.test"),
               (try? client.get("/")) != nil {
                return
            }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let log = (try? String(contentsOfFile: folder.file("logs/error.log"), encoding: .utf8)) ?? ""
        stop()
        throw DaemonError("nginx did not start on 127.0.0.1:\(port): \(log)")
    }

    deinit { stop() }

    /// Writes `bytes` random bytes to `name` under the root; returns its hex SHA-256.
    @discardableResult
    public func makeFile(_ name: String, size: Int) throws -> Data {
        var generator = SystemRandomNumberGenerator()
        let data = Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try data.write(to: URL(fileURLWithPath: root + "/" + name))
        return data
    }

    public func url(_ name: String) -> String { "https://127.0.0.1:\(port)/\(name)" }

    /// SIGKILL: the test process blocks SIGTERM (the daemon's signal tests), and a child
    /// inherits that mask, so nginx would never see a terminate.
    public func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    private static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw DaemonError("no free port for nginx") }
        return UInt16(bigEndian: address.sin_port)
    }
}
