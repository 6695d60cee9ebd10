import Glibc

/// Nanoseconds on CLOCK_MONOTONIC: deadlines and durations that ignore wall-clock jumps.
public enum MonotonicClock {
    public static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
