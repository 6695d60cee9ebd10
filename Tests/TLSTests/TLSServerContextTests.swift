import Foundation
import Testing
import TestSupport
@testable import TLS

@Suite("TLS server context and the self-signed certificate")
struct TLSServerContextTests {
    let folder = TemporaryDirectory(prefix: "videohookd-tls")
    var directory: String { folder.path }

    @Test("first start makes a P-256 certificate and key, the second reuses them")
    func selfSignedIsMadeOnceAndReused() throws {
        let first = try SelfSignedCertificate.ensure(in: directory, hostNames: ["example.test"])
        #expect(first.created)
        let keyMode = try FileManager.default.attributesOfItem(atPath: first.keyFile)[.posixPermissions] as? Int
        #expect(keyMode == 0o600)
        let certificateBefore = try Data(contentsOf: URL(fileURLWithPath: first.certificateFile))
        let second = try SelfSignedCertificate.ensure(in: directory, hostNames: ["example.test"])
        #expect(!second.created)
        #expect(try Data(contentsOf: URL(fileURLWithPath: second.certificateFile)) == certificateBefore)
        _ = try TLSServerContext(certificateFile: second.certificateFile, keyFile: second.keyFile)

        let text = try openssl(["x509", "-in", first.certificateFile, "-noout", "-text"])
        #expect(text.contains("prime256v1") || text.contains("P-256"))
        #expect(text.contains("DNS:example.test"))
        #expect(text.contains("IP Address:127.0.0.1"))
        #expect(text.contains("CN = example.test") || text.contains("CN=example.test"))
    }

    @Test("a missing certificate file stops the start with its name and the reason")
    func missingCertificateIsNamed() throws {
        let files = try SelfSignedCertificate.ensure(in: directory, hostNames: ["a.test"])
        let missing = directory + "/nope.crt"
        let error = #expect(throws: TLSError.self) {
            _ = try TLSServerContext(certificateFile: missing, keyFile: files.keyFile)
        }
        #expect(error?.message.contains("tls.cert_file \(missing)") == true)
        #expect(error?.message.contains("No such file or directory") == true)
    }

    @Test("an unreadable key file is named with the reason")
    func unreadableKeyIsNamed() throws {
        let files = try SelfSignedCertificate.ensure(in: directory, hostNames: ["a.test"])
        let error = #expect(throws: TLSError.self) {
            _ = try TLSServerContext(certificateFile: files.certificateFile, keyFile: directory)
        }
        #expect(error?.message.contains("tls.key_file \(directory)") == true)
    }

    @Test("a key that belongs to another certificate is refused as a mismatch")
    func mismatchedKeyIsRefused() throws {
        let one = try SelfSignedCertificate.ensure(in: directory, hostNames: ["a.test"])
        let otherDirectory = directory + "/other"
        try FileManager.default.createDirectory(atPath: otherDirectory, withIntermediateDirectories: true)
        let two = try SelfSignedCertificate.ensure(in: otherDirectory, hostNames: ["b.test"])
        let error = #expect(throws: TLSError.self) {
            _ = try TLSServerContext(certificateFile: one.certificateFile, keyFile: two.keyFile)
        }
        #expect(error?.message.contains("does not match") == true)
        #expect(error?.message.contains(two.keyFile) == true)
    }

    @Test("a file that is not PEM is refused with the setting's name")
    func garbageCertificateIsRefused() throws {
        let files = try SelfSignedCertificate.ensure(in: directory, hostNames: ["a.test"])
        let garbage = directory + "/garbage.crt"
        try Data("not a certificate\n".utf8).write(to: URL(fileURLWithPath: garbage))
        let error = #expect(throws: TLSError.self) {
            _ = try TLSServerContext(certificateFile: garbage, keyFile: files.keyFile)
        }
        #expect(error?.message.hasPrefix("tls.cert_file \(garbage)") == true)
    }

    @Test("an RSA certificate and key load too")
    func rsaCertificateLoads() throws {
        let certificate = directory + "/rsa.crt"
        let key = directory + "/rsa.key"
        _ = try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
                         "-days", "2", "-subj", "/CN=rsa.test"])
        _ = try TLSServerContext(certificateFile: certificate, keyFile: key)
    }

    private func openssl(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: output, as: UTF8.self)
    }
}
