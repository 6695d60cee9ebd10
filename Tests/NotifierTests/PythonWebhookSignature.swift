import Foundation

/// Standard Webhooks signatures made and checked by Python's standard library (hmac,
/// hashlib, base64), a second implementation that shares nothing with ours.
enum PythonWebhookSignature {
    /// Arguments: secret, id (UTF-8) as hex, timestamp; the body on stdin (an argument
    /// has a size limit). Prints `v1,<base64>`.
    private static let sign = """
        import base64, hashlib, hmac, sys
        secret, msg_id, timestamp, body = sys.argv[1], bytes.fromhex(sys.argv[2]), sys.argv[3], sys.stdin.buffer.read()
        key = base64.b64decode(secret[len("whsec_"):], validate=True)
        content = msg_id + b"." + timestamp.encode() + b"." + body
        print("v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode())
        """

    /// Arguments: secret, id as hex, timestamp, the webhook-signature header; the body on
    /// stdin. Prints
    /// `ok` when one of the header's signatures is this secret's, as a receiver checks.
    private static let verify = """
        import base64, hashlib, hmac, sys
        secret, msg_id, timestamp, body, header = sys.argv[1], bytes.fromhex(sys.argv[2]), sys.argv[3], sys.stdin.buffer.read(), sys.argv[4]
        key = base64.b64decode(secret[len("whsec_"):], validate=True)
        content = msg_id + b"." + timestamp.encode() + b"." + body
        expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
        found = [s[3:] for s in header.split(" ") if s.startswith("v1,")]
        print("ok" if any(hmac.compare_digest(expected, s) for s in found) else "no")
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
