import Glibc

/// A failed system call in a test's own socket set-up, with the errno text.
struct TestSocketError: Error, CustomStringConvertible {
    let description: String

    init(_ operation: String, _ code: Int32) {
        description = "\(operation): \(String(cString: strerror(code)))"
    }
}
