import Archive

/// Starts writeback every 8 MiB written, so the disk works while the network does and
/// the final fsync finds little left; 8 MiB measured best on the work disk (1 MiB: more
/// calls, each small; 32 MiB and more: the disk idles between them). It matters for the
/// bytes that went through the page cache (a file system without `O_DIRECT`, an odd
/// block); on blocks written direct it finds nothing to do. Used on the disk thread,
/// and by the writer only when that thread is idle (`startOver`).
final class WritebackHint: @unchecked Sendable {
    // @unchecked: see above; the writer's `drain()` orders the two threads' uses.
    private let file: PartialFile
    private var from: Int64
    private let chunk: Int64 = 8 << 20

    init(file: PartialFile, from: Int64) {
        self.file = file
        self.from = from
    }

    func written(offset: Int64, count: Int) {
        let end = offset + Int64(count)
        guard end - from >= chunk else { return }
        file.startWriteback(offset: from, count: end - from)
        from = end
    }

    func reset(from offset: Int64) { from = offset }
}
