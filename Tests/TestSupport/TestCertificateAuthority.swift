import Foundation

/// A certificate authority of the test's own, made with the openssl command line: its
/// certificate is what a client trusts through a CA-file setting, and it signs one
/// server certificate for `localhost` and 127.0.0.1.
public struct TestCertificateAuthority: Sendable {
    public let directory: String
    public var caCertificate: String { directory + "/ca.crt" }
    public var serverCertificate: String { directory + "/server.crt" }
    public var serverKey: String { directory + "/server.key" }

    /// Makes the CA and the server certificate in `directory` (created when missing).
    public init(directory: String, serverNames: [String] = ["localhost"], serverAddresses: [String] = ["127.0.0.1"]) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let names = serverNames.map { "DNS:\($0)" } + serverAddresses.map { "IP:\($0)" }
        let extensions = """
            subjectAltName=\(names.joined(separator: ","))
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=serverAuth
            """
        try extensions.write(toFile: directory + "/server.ext", atomically: true, encoding: .utf8)
        try Self.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                          "-keyout", directory + "/ca.key", "-out", directory + "/ca.crt", "-days", "2",
                          "-subj", "/CN=videohookd test CA",
                          "-addext", "basicConstraints=critical,CA:TRUE",
                          "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        try Self.openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                          "-keyout", directory + "/server.key", "-out", directory + "/server.csr",
                          "-subj", "/CN=\(serverNames.first ?? "localhost")"])
        try Self.openssl(["x509", "-req", "-in", directory + "/server.csr", "-CA", directory + "/ca.crt",
                          "-CAkey", directory + "/ca.key", "-CAcreateserial", "-days", "2",
                          "-extfile", directory + "/server.ext", "-out", directory + "/server.crt"])
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw DaemonError("openssl \(arguments.prefix(2).joined(separator: " ")) failed: \(String(decoding: text, as: UTF8.self))")
        }
    }
}
