import ArgumentParser

/// A failure a command explains in one line on stderr before exiting with status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ message: String) {
        description = message
    }
}

extension ParsableCommand {
    /// Runs `body`; a ``CommandFailure`` is printed as `videohookd: <message>` and ends
    /// the process with status 1, without the usage text a validation error would show.
    func failingWithMessage(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let failure as CommandFailure {
            var standardError = StandardError()
            print("videohookd: \(failure.description)", to: &standardError)
            throw ExitCode.failure
        }
    }
}
