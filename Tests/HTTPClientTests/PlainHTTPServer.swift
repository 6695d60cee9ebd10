import Foundation

/// A plain HTTP/1.1 server on 127.0.0.1, port 0, in Python's standard library: one per
/// test process, ending when this process closes its stdin. What it answers:
/// - `GET /bytes?size=N`: N bytes, byte i = i * 7 mod 256, with Content-Length;
/// - `GET /chunked`: `hello, plain world` in three chunks;
/// - `GET /stall`: a head promising 10 bytes, 3 of them, then nothing for 10 s;
/// - `POST /echo`: JSON with the method, target, header fields (in order) and the body as hex.
final class PlainHTTPServer: @unchecked Sendable {
    // Sendable: every property is set in init and never changed.
    let port: Int
    // Kept so the pipe stays open: the server lives as long as this process.
    private let process: Process
    private let stdin: Pipe

    static func shared() throws -> PlainHTTPServer { try started.get() }
    private static let started: Result<PlainHTTPServer, any Error> = Result { try PlainHTTPServer() }

    // `from x import y` only: the module-graph check reads a line starting with
    // `import` as a Swift import, even inside a string.
    private static let script = #"""
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from json import dumps
        from os import _exit
        from sys import stdin
        from threading import Thread
        from time import sleep

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *args): pass

            def answer(self, status, body, fields=()):
                self.send_response(status)
                for name, value in fields: self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                path, _, query = self.path.partition("?")
                if path == "/bytes":
                    size = int(dict(p.split("=") for p in query.split("&"))["size"])
                    self.answer(200, bytes(i * 7 % 256 for i in range(size)), [("Content-Type", "application/octet-stream")])
                elif path == "/chunked":
                    self.send_response(200)
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for part in (b"hello, ", b"plain ", b"world"):
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                    self.wfile.write(b"0\r\n\r\n")
                elif path == "/stall":
                    self.send_response(200)
                    self.send_header("Content-Length", "10")
                    self.end_headers()
                    self.wfile.write(b"abc")
                    self.wfile.flush()
                    sleep(10)
                else:
                    self.answer(404, b"not here")

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                seen = {"method": self.command, "target": self.path,
                        "fields": [[name, value] for name, value in self.headers.items()], "body_hex": body.hex()}
                self.answer(200, dumps(seen).encode(), [("Content-Type", "application/json")])

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        print("port", server.server_address[1], flush=True)
        Thread(target=server.serve_forever, daemon=True).start()
        stdin.read()
        _exit(0)
        """#

    private init() throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script]
        stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        // "port N\n"
        var line = Data()
        while !line.contains(0x0A) {
            let byte = stdout.fileHandleForReading.readData(ofLength: 1)
            guard !byte.isEmpty else { throw Failure(description: "the plain HTTP server exited before printing its port") }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("port "), let port = Int(text.dropFirst(5)) else {
            throw Failure(description: "the plain HTTP server printed \"\(text)\", not its port")
        }
        self.port = port
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// What `POST /echo` saw.
    struct Echo: Decodable {
        var method: String
        var target: String
        var fields: [[String]]
        var body_hex: String

        func field(_ name: String) -> String? {
            fields.first { $0[0].lowercased() == name.lowercased() }?[1]
        }
    }

    /// The bytes `GET /bytes?size=N` sends.
    static func expectedBytes(_ size: Int) -> [UInt8] {
        (0..<size).map { UInt8($0 * 7 % 256) }
    }
}
