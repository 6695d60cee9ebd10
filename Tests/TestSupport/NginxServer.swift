import Foundation
import Glibc

/// A real nginx (Debian's `nginx-light`) serving a folder over TLS on 127.0.0.1, as a
/// CDN serves a finished video: the tests' server certificate from ``TestCertificates``
/// (it names `127.0.0.1`; the daemon trusts its CA through `download.ca_file`), its own
/// prefix, configuration, logs and pid file in a temporary folder, in the foreground
/// (`daemon off; master_process off;`), stopped with `stop()` or when the object goes.
public final class NginxServer: @unchecked Sendable {
    // @unchecked: set up by `init` on the test's thread; nginx is a process.
    private let folder = TemporaryDirectory(prefix: "videohookd-nginx")
    /// Spawned with default signal dispositions and an empty mask (``ChildProcess``):
    /// Foundation's `Process` would pass on the test runner's blocked SIGTERM.
    private var process: ChildProcess?
    public private(set) var port: UInt16 = 0
    /// What nginx serves at `/`.
    public var root: String { folder.file("root") }
    public var errorLog: String { folder.file("logs/error.log") }
    public var accessLog: String { folder.file("logs/access.log") }
    /// nginx's `limit_rate` for every response (`16m`: 16 MB/s), so a test can act while
    /// a video is half downloaded; nil for none.
    private let limitRate: String?

    public init(limitRate: String? = nil) throws {
        self.limitRate = limitRate
        let certificates = try TestCertificates.shared()
        guard let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].first(where: FileManager.default.isExecutableFile) else {
            throw DaemonError("nginx is not installed: scripts/install-deps.sh test installs nginx-light")
        }
        for name in ["root", "logs", "temp"] {
            try FileManager.default.createDirectory(atPath: folder.file(name), withIntermediateDirectories: true)
        }
        // nginx cannot say which port it got for 0: a port the kernel gave us a moment
        // ago, tried again with another when something took it in between.
        var lastLog = ""
        for _ in 0..<3 {
            port = try LoopbackPort.free()
            try config(certificates).write(toFile: folder.file("nginx.conf"), atomically: true, encoding: .utf8)
            let process = try ChildProcess(executable: nginx, arguments: [
                nginx, "-p", folder.path + "/", "-c", folder.file("nginx.conf"), "-e", errorLog,
            ], environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
            self.process = process
            if waitUntilServing(caFile: certificates.caFile) { return }
            lastLog = (try? String(contentsOfFile: errorLog, encoding: .utf8)) ?? ""
            stop()
            guard lastLog.contains("Address already in use") else { break }
        }
        throw DaemonError("nginx did not start on 127.0.0.1:\(port): \(lastLog)")
    }

    deinit { stop() }

    private func config(_ certificates: TestCertificates) -> String {
        """
        daemon off;
        master_process off;
        worker_processes 1;
        pid \(folder.file("nginx.pid"));
        error_log \(errorLog) info;
        events { worker_connections 256; }
        http {
            access_log \(accessLog);
            client_body_temp_path \(folder.file("temp/body"));
            proxy_temp_path \(folder.file("temp/proxy"));
            fastcgi_temp_path \(folder.file("temp/fastcgi"));
            uwsgi_temp_path \(folder.file("temp/uwsgi"));
            scgi_temp_path \(folder.file("temp/scgi"));
            types { video/mp4 mp4; text/plain txt; }
            default_type application/octet-stream;
            server {
                listen 127.0.0.1:\(port) ssl;
                ssl_certificate \(certificates.serverCertificate);
                ssl_certificate_key \(certificates.serverKey);
                root \(root);
                \(limitRate.map { "limit_rate \($0);" } ?? "")
            }
        }
        """
    }

    /// True once a TLS GET of a probe file, checked against the test CA, gets its 200.
    private func waitUntilServing(caFile: String) -> Bool {
        guard FileManager.default.createFile(atPath: root + "/_probe.txt", contents: Data("ok\n".utf8)) else { return false }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, process?.isRunning == true {
            if let client = try? TestClient.connectTLS(port: port, caFile: caFile, serverName: "127.0.0.1"),
               let answer = try? client.get("/_probe.txt"), answer.status == 200, answer.text == "ok\n" {
                return true
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    /// Writes `size` random bytes to `name` under the root; returns their SHA-256 (hex)
    /// as `sha256sum` computes it.
    @discardableResult
    public func makeFile(_ name: String, size: Int) throws -> String {
        let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
        defer { try? random.close() }
        guard let data = try random.read(upToCount: size), data.count == size else {
            throw DaemonError("short read from /dev/urandom")
        }
        let path = root + "/" + name
        try data.write(to: URL(fileURLWithPath: path))
        return try FileServer.sha256(of: path)
    }

    /// `https://127.0.0.1:<port>/<name>`.
    public func url(_ name: String) -> String { "https://127.0.0.1:\(port)/\(name)" }

    /// The access log's request lines, for what nginx served.
    public func accessLines() -> [String] {
        ((try? String(contentsOfFile: accessLog, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    public func stop() {
        guard let process else { return }
        if process.isRunning {
            process.signal(SIGTERM) // nginx's fast shutdown
            if process.waitForExit(timeout: 5) == nil {
                process.signal(SIGKILL)
                _ = process.waitForExit(timeout: 5)
            }
        }
        self.process = nil
    }
}
