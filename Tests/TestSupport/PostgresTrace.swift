import Foundation

/// A libpq protocol trace (`PostgresConnection.startTrace`), read for what the tests
/// count in it.
public enum PostgresTrace {
    /// The client's round trips: each run of messages from the client (`F`) that the
    /// server (`B`) answers before the client sends again.
    public static func roundTrips(_ path: String) throws -> Int {
        var trips = 0
        var sending = false
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            if line.hasPrefix("F\t") {
                if !sending { trips += 1 }
                sending = true
            } else if line.hasPrefix("B\t") {
                sending = false
            }
        }
        return trips
    }
}
