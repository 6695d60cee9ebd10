import Testing
@testable import Intake

@Suite("The time to answer in a log line: milliseconds with two decimals")
struct ElapsedMillisecondsTests {
    @Test("rounded to the nearest hundredth, the fraction always two digits", arguments: [
        (UInt64(0), "0.00"), (4_999, "0.00"), (5_000, "0.01"), (70_000, "0.07"), (3_070_000, "3.07"),
        (3_104_999, "3.10"), (12_345_678, "12.35"), (999_995_000, "1000.00"), (60_000_000_000, "60000.00"),
    ])
    func formatting(nanoseconds: UInt64, expected: String) {
        #expect(CallbackIntake.milliseconds(nanoseconds) == expected)
    }
}
