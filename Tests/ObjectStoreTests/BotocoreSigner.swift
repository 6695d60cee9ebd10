import Foundation

/// botocore's own S3 signers (`S3SigV4Auth` for the header, `S3SigV4QueryAuth` for a
/// presigned URL) run in the tests' venv, at a fixed time, over the raw request parts:
/// the URL is built by botocore's percent-encoding as its serializer does (keys with
/// `safe='/~'`, query names and values with `-_.~`), so both the encoding and the
/// signature are botocore's, sharing nothing with ours.
enum BotocoreSigner {
    struct Case: Encodable {
        var method: String
        var scheme: String
        var host: String
        /// The bucket in the path (path style), or nil (virtual-hosted: in `host` already).
        var pathBucket: String?
        var key: String?
        var query: [[String]]
        var headers: [[String]]
        var bodyHex: String
        var region: String
        var accessKey: String
        var secretKey: String
        var token: String?
        var time: Int64
        var unsignedPayload: Bool
        /// Set: a presigned URL of this lifetime instead of a header.
        var presignExpires: Int?
    }

    struct Signed: Decodable {
        var url: String
        /// Lower-cased names; empty for a presigned URL.
        var headers: [String: String]
    }

    // `from x import y` only: the module-graph check reads a line starting with
    // `import` as a Swift import, even inside a string.
    private static let script = #"""
        from datetime import datetime, timezone
        from json import dumps, loads
        from sys import stdin
        from botocore import auth
        from botocore.awsrequest import AWSRequest
        from botocore.config import Config
        from botocore.credentials import Credentials
        from botocore.utils import percent_encode

        out = []
        for case in loads(stdin.read()):
            moment = datetime.fromtimestamp(case["time"], tz=timezone.utc).replace(tzinfo=None)
            auth.get_current_datetime = lambda remove_tzinfo=True, m=moment: m
            path = "/"
            if case.get("pathBucket"):
                path += case.get("pathBucket")
                if case.get("key") is not None:
                    path += "/"
            if case.get("key") is not None:
                path += percent_encode(case["key"], safe="/~")
            query = "&".join(percent_encode(n) + ("=" + percent_encode(v) if v != "" else "") for n, v in case["query"])
            url = case["scheme"] + "://" + case["host"] + path + ("?" + query if query else "")
            credentials = Credentials(case["accessKey"], case["secretKey"], case.get("token"))
            request = AWSRequest(method=case["method"], url=url, headers=dict(case["headers"]),
                                 data=bytes.fromhex(case["bodyHex"]))
            if case["unsignedPayload"]:
                request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
            if case.get("presignExpires") is not None:
                auth.S3SigV4QueryAuth(credentials, "s3", case["region"], expires=case["presignExpires"]).add_auth(request)
                out.append({"url": request.url, "headers": {}})
            else:
                auth.S3SigV4Auth(credentials, "s3", case["region"]).add_auth(request)
                out.append({"url": request.url, "headers": {k.lower(): v for k, v in request.headers.items()}})
        print(dumps(out))
        """#

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func sign(_ cases: [Case]) throws -> [Signed] {
        guard let python = ProcessInfo.processInfo.environment["TEST_VENV_PYTHON"], !python.isEmpty else {
            throw Failure(description: "TEST_VENV_PYTHON is not set: scripts/test.sh makes the venv with boto3 and exports it")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script]
        let output = Pipe(), errors = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        try process.run()
        // Python reads all of stdin before it prints, so writing first cannot deadlock.
        try input.fileHandleForWriting.write(contentsOf: JSONEncoder().encode(cases))
        try input.fileHandleForWriting.close()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let complaint = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "botocore signer exited \(process.terminationStatus): \(String(decoding: complaint, as: UTF8.self))")
        }
        return try JSONDecoder().decode([Signed].self, from: printed)
    }
}
