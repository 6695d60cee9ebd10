import Foundation

/// A self-signed ECDSA P-256 certificate for `localhost`, made by the openssl command
/// line as an operator would make one, with a common name that tells one from another.
struct TestCertificate {
    let certificateFile: String
    let keyFile: String
    let commonName: String

    /// Writes `<folder>/<commonName>.crt` and `.key`.
    static func make(commonName: String, in folder: String) throws -> TestCertificate {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let certificate = TestCertificate(certificateFile: "\(folder)/\(commonName).crt", keyFile: "\(folder)/\(commonName).key",
                                          commonName: commonName)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                             "-days", "2", "-subj", "/CN=\(commonName)", "-addext", "subjectAltName=DNS:localhost",
                             "-keyout", certificate.keyFile, "-out", certificate.certificateFile]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CertificateError(description: "openssl req for CN=\(commonName) exited \(process.terminationStatus)")
        }
        return certificate
    }

    /// Puts this pair where the daemon's settings point, as a renewal would.
    func install(certificateFile: String, keyFile: String) throws {
        for (source, target) in [(self.certificateFile, certificateFile), (self.keyFile, keyFile)] {
            try? FileManager.default.removeItem(atPath: target)
            try FileManager.default.copyItem(atPath: source, toPath: target)
        }
    }
}

struct CertificateError: Error, CustomStringConvertible {
    var description: String
}
