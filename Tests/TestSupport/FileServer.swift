import Foundation

/// The Python HTTPS file server (`fileserver.py`, beside this file) on 127.0.0.1, one per
/// test process, shared by every test: each test uses its own file names and `key` so
/// their counters and request logs stay apart. It stops when this process closes its
/// stdin (or dies). Its certificate is for `files.test`, `files.example.com` and
/// 127.0.0.1, signed by ``TestCertificates``' CA; `untrusted.test` gets one nobody trusts.
public final class FileServer: @unchecked Sendable {
    // Sendable: every property is set in init and never changed.
    public let port: Int
    public let root: String
    public let logDirectory: String
    private let process: Process
    private let stdin: Pipe

    public static func shared() throws -> FileServer { try started.get() }

    private static let started: Result<FileServer, any Error> = Result { try FileServer() }

    private init() throws {
        let certificates = try TestCertificates.shared()
        let directory = TemporaryDirectory.untilExit(prefix: "videohookd-files").path
        root = directory + "/root"
        logDirectory = directory + "/log"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("fileserver.py").path
        guard FileManager.default.fileExists(atPath: script) else {
            throw ProcessRunner.Failure(description: "fileserver.py is not at \(script)")
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script, "--root", root, "--cert", certificates.serverCertificate,
                             "--key", certificates.serverKey, "--untrusted-cert", certificates.untrustedCertificate,
                             "--untrusted-key", certificates.untrustedKey, "--log-dir", logDirectory]
        stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        // "port N\n"
        var line = Data()
        while !line.contains(0x0A) {
            let byte = stdout.fileHandleForReading.readData(ofLength: 1)
            guard !byte.isEmpty else { throw ProcessRunner.Failure(description: "fileserver.py exited before printing its port") }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("port "), let port = Int(text.dropFirst(5)) else {
            throw ProcessRunner.Failure(description: "fileserver.py printed \"\(text)\", not its port")
        }
        self.port = port
    }

    /// Writes a file of `size` random bytes under the server's root; returns its SHA-256
    /// as `sha256sum` computes it (not our own digest: the tests check that one).
    @discardableResult
    public func makeFile(_ name: String, size: Int) throws -> String {
        let path = root + "/" + name
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
        var left = size
        while left > 0 {
            let block = try random.read(upToCount: min(left, 1 << 20)) ?? Data()
            try output.write(contentsOf: block)
            left -= block.count
        }
        try output.close()
        try random.close()
        return try Self.sha256(of: path)
    }

    public static func sha256(of path: String) throws -> String {
        String(try ProcessRunner.run("/usr/bin/sha256sum", [path]).prefix(64))
    }

    /// `https://<host>:<port>/files/<name>?<query>`.
    public func url(_ name: String, host: String = "files.test", query: String = "") -> String {
        "https://\(host):\(port)/files/\(name)" + (query.isEmpty ? "" : "?" + query)
    }

    public func base(host: String = "files.test") -> String { "https://\(host):\(port)" }

    public struct Request: Decodable, Sendable {
        public var number: Int
        public var path: String
        public var range: String?
        public var if_range: String?
        public var host: String?
        public var status: Int?
        public var file: String?
    }

    /// The requests the server saw under `key`, in order.
    public func requests(key: String) -> [Request] {
        let name = String(key.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }.prefix(100))
        guard let data = FileManager.default.contents(atPath: logDirectory + "/\(name).jsonl") else { return [] }
        return data.split(separator: 0x0A).compactMap { try? JSONDecoder().decode(Request.self, from: Data($0)) }
    }
}

/// A unique key per test run for the file server's counters (`?key=`).
public func uniqueKey(_ prefix: String) -> String {
    "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
}
