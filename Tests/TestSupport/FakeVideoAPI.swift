import Foundation
import Glibc

/// The fake video API (`fake_video_api.py`) as a child process: HTTPS on 127.0.0.1 with the
/// tests' own CA (``TestCertificates``, trusted through `api.ca_file`), scripted per test,
/// recording every request it gets. It serves video files too, as the API's CDN.
public final class FakeVideoAPI: @unchecked Sendable {
    // @unchecked: `process`, `port` and `version` are set by `init` and `script`, which a
    // test calls from one thread; the server itself runs in another process.
    private let folder = TemporaryDirectory(prefix: "videohookd-fakeapi")
    public var directory: String { folder.path }
    public let certificates: TestCertificates
    public private(set) var port: UInt16 = 0
    private var process: Process?
    private var version = 0
    private let requireKey: String?

    /// `https://127.0.0.1:<port>`: what `api.base_url` is set to (the certificate carries
    /// the address).
    public var baseURL: String { "https://127.0.0.1:\(port)" }

    /// Starts the server. With `requireKey`, any other bearer key gets the API's 401 on
    /// the API's paths (`/v1/...`); the video files need no key.
    public init(requireKey: String? = nil) throws {
        self.requireKey = requireKey
        certificates = try TestCertificates.shared()
        script([:])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.scriptPath, "--cert", certificates.serverCertificate,
                             "--key", certificates.serverKey, "--dir", directory]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        self.process = process
        // The first line is "listening <port>".
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let words = String(decoding: line, as: UTF8.self).split(separator: " ")
        guard words.count == 2, words[0] == "listening", let port = UInt16(words[1]) else {
            process.terminate()
            throw DaemonError("the fake video API did not start: \(String(decoding: line, as: UTF8.self))")
        }
        self.port = port
    }

    deinit { stop() }

    /// Replaces the script: for each `"METHOD /path"`, the answers in order, the last repeating.
    public func script(_ routes: [String: [FakeResponse]]) {
        version += 1
        var script: [String: Any] = ["version": version,
                                     "routes": routes.mapValues { $0.map(\.object) }]
        if let requireKey { script["require_key"] = requireKey }
        let data = try! JSONSerialization.data(withJSONObject: script, options: [.sortedKeys])
        let path = directory + "/script.json"
        _ = FileManager.default.createFile(atPath: path + ".tmp", contents: data)
        _ = rename(path + ".tmp", path)
    }

    /// Every request received so far, oldest first.
    public func requests() -> [RecordedRequest] {
        guard let text = try? String(contentsOfFile: directory + "/requests.jsonl", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            try? JSONDecoder().decode(RecordedRequest.self, from: Data(line.utf8))
        }
    }

    /// The requests to one `"METHOD /path"`.
    public func requests(_ route: String) -> [RecordedRequest] {
        requests().filter { "\($0.method) \($0.path.split(separator: "?").first ?? "")" == route }
    }

    /// SIGTERM, then SIGKILL if it has not gone within 5 s.
    public func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    public func removeFiles() {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    static var scriptPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("fake_video_api.py").path
    }
}
