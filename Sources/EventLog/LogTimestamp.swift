#if canImport(Glibc)
import Glibc
#endif

/// UTC timestamps with milliseconds, `2026-11-25T11:40:02.123Z`, made from the real-time
/// clock without a shared formatter (Foundation's formatters are not safe to share
/// between threads, and this runs on every log line).
enum LogTimestamp {
    static func now() -> String {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return format(seconds: time.tv_sec, nanoseconds: Int(time.tv_nsec))
    }

    static func format(seconds: Int, nanoseconds: Int) -> String {
        var seconds = time_t(seconds)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // Digits written straight into 24 bytes: this runs for every log line.
        var text = [UInt8](repeating: 0, count: 24)
        func put(_ number: Int, _ width: Int, at end: Int) {
            // A clock set before year 0 must not stop the logging: such a year reads 0000.
            var number = max(0, number)
            for index in stride(from: end - 1, through: end - width, by: -1) {
                text[index] = UInt8(ascii: "0") + UInt8(number % 10)
                number /= 10
            }
        }
        put(Int(parts.tm_year) + 1900, 4, at: 4)
        text[4] = UInt8(ascii: "-")
        put(Int(parts.tm_mon) + 1, 2, at: 7)
        text[7] = UInt8(ascii: "-")
        put(Int(parts.tm_mday), 2, at: 10)
        text[10] = UInt8(ascii: "T")
        put(Int(parts.tm_hour), 2, at: 13)
        text[13] = UInt8(ascii: ":")
        put(Int(parts.tm_min), 2, at: 16)
        text[16] = UInt8(ascii: ":")
        put(Int(parts.tm_sec), 2, at: 19)
        text[19] = UInt8(ascii: ".")
        put(nanoseconds / 1_000_000, 3, at: 23)
        text[23] = UInt8(ascii: "Z")
        return String(decoding: text, as: UTF8.self)
    }
}
