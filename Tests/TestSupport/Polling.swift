import Foundation

/// Waiting for something another thread or process does: the one polling loop the test
/// suites share, instead of a copy in each.
public enum Polling {
    /// Checks `condition` every `interval` seconds until it holds or `timeout` passes,
    /// then once more; returns whether it held. A thrown error ends the wait with it (a
    /// caller that treats an error as "not yet" passes `(try? ...) == true`).
    public static func until(timeout: Double, every interval: Double = 0.05,
                             _ condition: () throws -> Bool) rethrows -> Bool {
        let until = Date(timeIntervalSinceNow: timeout)
        while Date() < until {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: interval)
        }
        return try condition()
    }
}
