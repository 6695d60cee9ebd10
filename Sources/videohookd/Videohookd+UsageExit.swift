import ArgumentParser
import Glibc

extension Videohookd {
    /// The exit status of a command line that could not be parsed or validated: 2, the
    /// Unix convention (and `check-url`'s contract), rather than ArgumentParser's 64.
    static let usageErrorStatus: Int32 = 2

    /// ArgumentParser's `main()`, with usage errors mapped to status 2. Every other
    /// outcome (help, `ExitCode`, other errors) keeps ArgumentParser's handling.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            var standardError = StandardErrorStream()
            print(fullMessage(for: error), to: &standardError)
            Glibc.exit(usageErrorStatus)
        }
    }
}

/// Writes to file descriptor 2 directly: Glibc's `stderr` is a global that strict
/// concurrency checking rejects.
private struct StandardErrorStream: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }
}
