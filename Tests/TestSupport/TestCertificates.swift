import Foundation

/// The tests' own certificate authorities, made with the openssl command line once per
/// test run:
/// - `caFile`: the CA the downloader is told to trust (`download.ca_file`);
/// - `serverCertificate` / `serverKey`: signed by it, for `files.test`, `files.example.com`
///   (a public name the tests resolve to a public address, see `LoopbackConnector`) and `127.0.0.1`;
/// - `untrustedCertificate` / `untrustedKey`: for `untrusted.test`, signed by a second CA
///   that nothing trusts.
public struct TestCertificates: Sendable {
    public let directory: String
    public var caFile: String { directory + "/ca.crt" }
    public var serverCertificate: String { directory + "/server.crt" }
    public var serverKey: String { directory + "/server.key" }
    public var untrustedCertificate: String { directory + "/untrusted.crt" }
    public var untrustedKey: String { directory + "/untrusted.key" }

    public static func shared() throws -> TestCertificates { try made.get() }

    private static let made: Result<TestCertificates, any Error> = Result {
        // Kept for the whole run: the file server reads them.
        let certificates = TestCertificates(directory: TemporaryDirectory.untilExit(prefix: "videohookd-certs").path)
        try certificates.make()
        return certificates
    }

    private func make() throws {
        let openssl = "/usr/bin/openssl"
        func ca(_ name: String, _ subject: String) throws {
            try ProcessRunner.run(openssl, [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "\(name).key", "-out", "\(name).crt", "-days", "3", "-subj", subject,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ], in: directory)
        }
        func leaf(_ name: String, signedBy issuer: String, names: String) throws {
            try "subjectAltName=\(names)\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n"
                .write(toFile: directory + "/\(name).ext", atomically: true, encoding: .utf8)
            try ProcessRunner.run(openssl, [
                "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(name)",
            ], in: directory)
            try ProcessRunner.run(openssl, [
                "x509", "-req", "-in", "\(name).csr", "-CA", "\(issuer).crt", "-CAkey", "\(issuer).key",
                "-CAcreateserial", "-out", "\(name).crt", "-days", "3", "-extfile", "\(name).ext",
            ], in: directory)
        }
        try ca("ca", "/CN=videohookd test CA")
        try ca("other-ca", "/CN=an authority nobody trusts")
        try leaf("server", signedBy: "ca", names: "DNS:files.test,DNS:files.example.com,IP:127.0.0.1")
        try leaf("untrusted", signedBy: "other-ca", names: "DNS:untrusted.test")
    }
}
