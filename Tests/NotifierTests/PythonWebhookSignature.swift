import Foundation

/// Standard Webhooks signatures made and checked by Python's standard library (hmac,
/// hashlib, base64), a second implementation that shares nothing with ours.
enum PythonWebhookSignature {
    // `from x import y` only: the module-graph check reads a line starting with
    // `import` as a Swift import, even inside a string.

    /// Arguments: secret, id (UTF-8) as hex, timestamp; the body on stdin (an argument
    /// has a size limit). Prints `v1,<base64>`.
    private static let sign = """
        from base64 import b64decode, b64encode
        from hashlib import sha256
        from hmac import new
        from sys import argv, stdin
        secret, msg_id, timestamp, body = argv[1], bytes.fromhex(argv[2]), argv[3], stdin.buffer.read()
        key = b64decode(secret[len("whsec_"):], validate=True)
        content = msg_id + b"." + timestamp.encode() + b"." + body
        print("v1," + b64encode(new(key, content, sha256).digest()).decode())
        """

    /// Arguments: secret, id as hex, timestamp, the webhook-signature header; the body on
    /// stdin. Prints
    /// `ok` when one of the header's signatures is this secret's, as a receiver checks.
    private static let verify = """
        from base64 import b64decode, b64encode
        from hashlib import sha256
        from hmac import compare_digest, new
        from sys import argv, stdin
        secret, msg_id, timestamp, body, header = argv[1], bytes.fromhex(argv[2]), argv[3], stdin.buffer.read(), argv[4]
        key = b64decode(secret[len("whsec_"):], validate=True)
        content = msg_id + b"." + timestamp.encode() + b"." + body
        expected = b64encode(new(key, content, sha256).digest()).decode()
        found = [s[3:] for s in header.split(" ") if s.startswith("v1,")]
        print("ok" if any(compare_digest(expected, s) for s in found) else "no")
        """

    static func signature(secret: String, id: String, timestamp: Int64, body: [UInt8]) throws -> String {
        try run(sign, [secret, hex(Array(id.utf8)), String(timestamp)], input: body)
    }

    static func verifies(secret: String, id: String, timestamp: Int64, body: [UInt8], header: String) throws -> Bool {
        try run(verify, [secret, hex(Array(id.utf8)), String(timestamp), header], input: body) == "ok"
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private static func run(_ script: String, _ arguments: [String], input: [UInt8]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        // Python reads all of stdin before it prints, so writing first cannot deadlock.
        try stdin.fileHandleForWriting.write(contentsOf: input)
        try stdin.fileHandleForWriting.close()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let complaint = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "python3 exited \(process.terminationStatus): \(String(decoding: complaint, as: UTF8.self))")
        }
        return String(decoding: printed, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
