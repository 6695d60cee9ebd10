import Synchronization

/// The connections each peer has open across all event loops, for
/// `limits.max_connections_per_address`, and when each peer over it was last logged.
///
/// Shared by the loops (a client's connections land on any of them), behind one lock
/// taken once at accept and once at close: a dictionary update, short next to the
/// `accept` and `close` system calls around it.
final class ConnectionsPerAddress: Sendable {
    enum Admission: Equatable {
        case admitted
        /// Over the cap. `log`: the refusals to report now (this one included), when this
        /// address was not reported within the last ``logInterval``; nil otherwise.
        case refused(log: Int?)
    }

    /// A flood refused at accept would otherwise write a log line per connection.
    static let logInterval: UInt64 = 60_000_000_000
    /// Past this many addresses remembered as refused, those not refused within the
    /// interval are forgotten, so a flood from many addresses cannot grow the table
    /// without bound.
    static let refusedAddressesKept = 4096

    private struct Refusals {
        var lastLogged: UInt64
        var unreported: Int
    }

    private struct State {
        var open: [PeerKey: Int] = [:]
        var refused: [PeerKey: Refusals] = [:]
    }

    private let state = Mutex(State())

    /// Counts a new connection from `key`, unless `key` already has `limit` open.
    func admit(_ key: PeerKey, limit: Int, now: UInt64) -> Admission {
        state.withLock { state in
            let open = state.open[key, default: 0]
            if open < limit {
                state.open[key] = open + 1
                return .admitted
            }
            if var refusals = state.refused[key] {
                refusals.unreported += 1
                guard now &- refusals.lastLogged >= Self.logInterval else {
                    state.refused[key] = refusals
                    return .refused(log: nil)
                }
                state.refused[key] = Refusals(lastLogged: now, unreported: 0)
                return .refused(log: refusals.unreported)
            }
            if state.refused.count >= Self.refusedAddressesKept {
                state.refused = state.refused.filter { now &- $0.value.lastLogged < Self.logInterval }
            }
            state.refused[key] = Refusals(lastLogged: now, unreported: 0)
            return .refused(log: 1)
        }
    }

    /// A connection admitted for `key` has closed.
    func release(_ key: PeerKey) {
        state.withLock { state in
            guard let open = state.open[key] else { return }
            state.open[key] = open > 1 ? open - 1 : nil
        }
    }

    /// Connections open from `key` (for tests and the log line).
    func openCount(_ key: PeerKey) -> Int {
        state.withLock { $0.open[key, default: 0] }
    }
}
