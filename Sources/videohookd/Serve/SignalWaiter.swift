import Glibc

/// The daemon's signals, taken synchronously by the main thread with sigwait.
///
/// `blockInThisProcess()` must run before any other thread starts: threads inherit the
/// mask, so no event loop or library thread is ever interrupted, and the signals queue
/// for `next()` instead. SIGPIPE is ignored: OpenSSL's socket writes use plain write(),
/// and a peer that hung up must cost one connection, not the process.
enum SignalWaiter {
    static let handled: [Int32] = [SIGTERM, SIGINT, SIGHUP]

    static func blockInThisProcess() {
        signal(SIGPIPE, SIG_IGN)
        var set = sigset_t()
        sigemptyset(&set)
        for number in handled { sigaddset(&set, number) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Waits for the next handled signal.
    static func next() -> Int32 {
        var set = sigset_t()
        sigemptyset(&set)
        for number in handled { sigaddset(&set, number) }
        var number: Int32 = 0
        while sigwait(&set, &number) != 0 {}
        return number
    }
}
