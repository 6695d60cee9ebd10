import Dispatch

/// Where the site's handlers run their ledger reads and writes: off the admin listener's
/// event loop, at most ``width`` at a time, so that a burst of page loads waits its turn
/// instead of taking every thread of the process.
final class ArchiveWork: Sendable {
    static let width = 4

    private let queue = DispatchQueue(label: "videohookd.archive-site", attributes: .concurrent)
    private let slots = DispatchSemaphore(value: ArchiveWork.width)

    func run(_ body: @escaping @Sendable () -> Void) {
        queue.async { [slots] in
            slots.wait()
            defer { slots.signal() }
            body()
        }
    }
}
