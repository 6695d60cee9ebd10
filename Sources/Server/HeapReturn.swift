import CLinux
import Foundation
import Transport

/// Gives the heap's free pages back to the kernel (see ``HeapReturnTrigger`` for when and
/// why), and says how much the resident memory fell. Tests put a counter in its place.
public struct HeapReturn: Sendable {
    private let giveBack: @Sendable () -> Void

    public init(_ giveBack: @escaping @Sendable () -> Void) {
        self.giveBack = giveBack
    }

    /// glibc's `malloc_trim(0)`: every arena, and whole free pages inside them, not only
    /// the top of the main heap.
    public static let malloc = HeapReturn { _ = malloc_trim(0) }

    /// Returns the memory; the resident set before and after, in bytes, and the time it took.
    func run() -> (before: Int, after: Int, milliseconds: Double) {
        let before = ResidentMemory.bytes()
        let started = MonotonicClock.nanoseconds()
        giveBack()
        let elapsed = Double(MonotonicClock.nanoseconds() &- started) / 1e6
        return (before, ResidentMemory.bytes(), elapsed)
    }
}

/// The process's resident set, from `/proc/self/statm` (its second field, in pages).
enum ResidentMemory {
    static func bytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
