/// Starts services in order and stops them in reverse: a service may use the ones
/// started before it (the server submits to the ledger writer), so it stops while they
/// still run. When a start throws, what had started is stopped again, in reverse,
/// before the error goes on: a failed `serve` leaves no thread behind.
///
/// Used from one thread (the one that runs `serve`).
public final class ServiceStack {
    /// What ``stop(within:)`` saw of each service, in the order they were stopped.
    public struct StopReport: Sendable, Equatable {
        public var stopped: [String] = []
        /// Services that had not stopped by the deadline: they are left to the process's exit.
        public var missedDeadline: [String] = []
    }

    /// A start that threw, with the service it came from.
    public struct StartFailure: Error, CustomStringConvertible {
        public var serviceName: String
        public var underlying: any Error
        /// What the services started before it said as they were stopped again.
        public var unwound: StopReport

        public var description: String { "\(underlying)" }
    }

    private var running: [any Service] = []
    private let unwindTimeout: Duration

    /// - Parameter unwindTimeout: how long the services already started get to stop
    ///   when a later one fails to start.
    public init(unwindTimeout: Duration = .seconds(10)) {
        self.unwindTimeout = unwindTimeout
    }

    /// The names of the services running, in start order.
    public var serviceNames: [String] { running.map(\.serviceName) }

    /// Starts `service` after those already started. On a throw, stops every service
    /// started so far (in reverse) and throws ``StartFailure``.
    public func start(_ service: any Service) throws(StartFailure) {
        do {
            try service.start()
        } catch {
            service.beginStopping()
            let unwound = stop(within: unwindTimeout)
            throw StartFailure(serviceName: service.serviceName, underlying: error, unwound: unwound)
        }
        running.append(service)
    }

    /// Stops every running service, last started first, each waited for before the next
    /// is asked, all within `timeout` together. Safe to call more than once.
    @discardableResult
    public func stop(within timeout: Duration) -> StopReport {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var report = StopReport()
        while let service = running.popLast() {
            service.beginStopping()
            let left = max(.zero, clock.now.duration(to: deadline))
            if service.waitUntilStopped(timeout: left) {
                report.stopped.append(service.serviceName)
            } else {
                report.missedDeadline.append(service.serviceName)
            }
        }
        return report
    }
}
