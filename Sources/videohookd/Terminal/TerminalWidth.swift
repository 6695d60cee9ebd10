import Foundation
import Glibc

/// How many columns the terminal on a descriptor has: the kernel's window size
/// (TIOCGWINSZ), else `$COLUMNS`, else 80. Asked at each redraw, so a resized window
/// is followed.
enum TerminalWidth {
    static let fallback = 80

    static func of(descriptor: Int32, environment: [String: String]) -> Int {
        var size = winsize()
        if ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            return Int(size.ws_col)
        }
        return columns(environment) ?? fallback
    }

    static func columns(_ environment: [String: String]) -> Int? {
        environment["COLUMNS"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }.flatMap { $0 > 0 ? $0 : nil }
    }
}
