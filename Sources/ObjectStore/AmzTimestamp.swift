import Glibc

/// The moment a request is signed, in the two forms Signature Version 4 uses:
/// `20130524T000000Z` (`x-amz-date`) and `20130524` (the credential scope). Made from
/// Unix seconds by the caller, so the signer reads no clock and a test can fix the time.
public struct AmzTimestamp: Sendable, Hashable {
    public let secondsSince1970: Int64
    /// `yyyyMMdd'T'HHmmss'Z'`, UTC.
    public let dateTime: String
    /// `yyyyMMdd`, UTC.
    public let date: String

    public init(secondsSince1970: Int64) {
        self.secondsSince1970 = secondsSince1970
        let days = secondsSince1970 >= 0 ? secondsSince1970 / 86_400 : (secondsSince1970 - 86_399) / 86_400
        let secondOfDay = secondsSince1970 - days * 86_400
        let (year, month, day) = Self.civil(daysSince1970: days)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        date = "\(year)" + two(month) + two(day)
        dateTime = date + "T" + two(secondOfDay / 3600) + two(secondOfDay / 60 % 60) + two(secondOfDay % 60) + "Z"
    }

    /// The current time of the system clock (wall time: the signature's date must be
    /// within 15 minutes of the server's).
    public static func now() -> AmzTimestamp {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return AmzTimestamp(secondsSince1970: Int64(now.tv_sec))
    }

    /// Howard Hinnant's `civil_from_days`: the proleptic Gregorian date of a day count.
    private static func civil(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
