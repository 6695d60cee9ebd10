import Glibc

/// Checks a PEM file before OpenSSL reads it, because OpenSSL's own message for a
/// missing or unreadable file ("system lib") does not tell an operator what to do.
enum PEMFiles {
    static func checkReadable(_ path: String, setting: String) throws(TLSError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw TLSError("\(setting) \(path): cannot be read: \(reason)")
        }
        close(fd)
    }
}
