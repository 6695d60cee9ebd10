import COpenSSL
import Glibc

/// The certificate of the embedded defaults: an ECDSA P-256 key and a self-signed
/// certificate made on first start in the state folder and reused after, so that
/// `videohookd serve` runs with no settings at all. Operators with a real name replace it
/// through `tls.cert_file` / `tls.key_file`.
public enum SelfSignedCertificate {
    public struct Files: Sendable, Equatable {
        public var certificateFile: String
        public var keyFile: String
        /// True when this call made them, false when they were already there.
        public var created: Bool
    }

    /// Returns the pair in `directory`, making it when either file is missing.
    public static func ensure(in directory: String, hostNames: [String], addresses: [String] = ["127.0.0.1", "::1"],
                              validDays: Int = 825) throws(TLSError) -> Files {
        let certificateFile = directory + "/tls-selfsigned.crt"
        let keyFile = directory + "/tls-selfsigned.key"
        if access(certificateFile, R_OK) == 0, access(keyFile, R_OK) == 0 {
            return Files(certificateFile: certificateFile, keyFile: keyFile, created: false)
        }
        let (certificatePEM, keyPEM) = try generate(hostNames: hostNames, addresses: addresses, validDays: validDays)
        // The key first, readable by us only; the certificate last, so a crash in between
        // leaves no certificate without its key.
        try writeAtomically(keyPEM, to: keyFile, mode: 0o600)
        try writeAtomically(certificatePEM, to: certificateFile, mode: 0o644)
        return Files(certificateFile: certificateFile, keyFile: keyFile, created: true)
    }

    /// A fresh key and certificate as PEM text: subject CN = the first name, subjectAltName
    /// with every name and address.
    public static func generate(hostNames: [String], addresses: [String], validDays: Int) throws(TLSError) -> (certificate: [UInt8], key: [UInt8]) {
        OpenSSLErrorQueue.clear()
        guard let key = vh_EVP_EC_gen("P-256") else { throw TLSError.openSSL("cannot make a P-256 key") }
        defer { EVP_PKEY_free(key) }
        guard let certificate = X509_new() else { throw TLSError.openSSL("X509_new") }
        defer { X509_free(certificate) }

        X509_set_version(certificate, 2) // v3, needed for subjectAltName
        var serial = [UInt8](repeating: 0, count: 16)
        RAND_bytes(&serial, Int32(serial.count))
        serial[0] &= 0x7f // a positive serial number
        if let number = BN_bin2bn(serial, Int32(serial.count), nil) {
            BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate))
            BN_free(number)
        }
        X509_gmtime_adj(X509_getm_notBefore(certificate), -3600)
        X509_gmtime_adj(X509_getm_notAfter(certificate), validDays * 86_400)
        X509_set_pubkey(certificate, key)

        let commonName = hostNames.first ?? "videohookd"
        let name = X509_get_subject_name(certificate)
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, "videohookd", -1, -1, 0)
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, commonName, -1, -1, 0)
        X509_set_issuer_name(certificate, name)

        let alternativeNames = (hostNames.map { "DNS:\($0)" } + addresses.map { "IP:\($0)" }).joined(separator: ",")
        try addExtension(certificate, NID_subject_alt_name, alternativeNames)
        try addExtension(certificate, NID_basic_constraints, "critical,CA:FALSE")
        try addExtension(certificate, NID_ext_key_usage, "serverAuth")

        guard X509_sign(certificate, key, EVP_sha256()) > 0 else { throw TLSError.openSSL("cannot sign the certificate") }
        let certificatePEM = try pem { PEM_write_bio_X509($0, certificate) }
        let keyPEM = try pem { PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil) }
        return (certificatePEM, keyPEM)
    }

    private static func addExtension(_ certificate: OpaquePointer, _ nid: Int32, _ value: String) throws(TLSError) {
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, certificate, certificate, nil, nil, 0)
        guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
            throw TLSError.openSSL("cannot add certificate extension \(value)")
        }
        X509_add_ext(certificate, ext, -1)
        X509_EXTENSION_free(ext)
    }

    private static func pem(_ write: (OpaquePointer) -> Int32) throws(TLSError) -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw TLSError.openSSL("BIO_new") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw TLSError.openSSL("cannot write PEM") }
        var data: UnsafeMutablePointer<CChar>? = nil
        let length = vh_BIO_get_mem_data(bio, &data)
        guard let data, length > 0 else { throw TLSError.openSSL("empty PEM") }
        return Array(UnsafeRawBufferPointer(start: data, count: length))
    }

    /// Writes a temporary file, fsyncs it and renames it over `path`: never half a key.
    private static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t) throws(TLSError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw TLSError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw TLSError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
