/// One long-running part of `serve` (the HTTP servers, the ledger writer, the download
/// service, the reconciler, the signal watcher): started once, asked to stop once, and
/// waited for with a deadline, so that a ``ServiceStack`` can start them in order and
/// stop them in reverse without knowing what each one is.
public protocol Service: AnyObject, Sendable {
    /// A short name for log lines and errors: `callback-server`, `ledger-writer`.
    var serviceName: String { get }

    /// Starts the service's threads and returns. Throws, with a message that says what
    /// to fix, when the service cannot start; a service that threw holds nothing.
    func start() throws

    /// Asks the service to stop: take no new work, finish or save what is in flight.
    /// Returns at once; safe to call more than once, and before `start`.
    func beginStopping()

    /// Waits until the service has stopped, at most `timeout`. True when it did.
    func waitUntilStopped(timeout: Duration) -> Bool
}
