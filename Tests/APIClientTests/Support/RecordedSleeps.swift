import Synchronization

/// Records the waits the client asks for instead of sleeping.
final class RecordedSleeps: Sendable {
    private let values = Mutex<[Double]>([])
    var all: [Double] { values.withLock { $0 } }
    var sleep: @Sendable (Double) -> Void { { [self] seconds in values.withLock { $0.append(seconds) } } }
}
