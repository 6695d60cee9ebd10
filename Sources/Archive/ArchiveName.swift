/// The archive's own check that a task id is safe as a file name, made again right before
/// a path is built from it. The intake checks ids when they arrive (`VideoAPI.TaskID`);
/// this module trusts no caller with its paths: letters, digits, `-` and `_`, 1 to 128.
public enum ArchiveName {
    public static let maxLength = 128

    public static func isSafe(_ name: String) -> Bool {
        var count = 0
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                count += 1
            default:
                return false
            }
        }
        return count > 0 && count <= maxLength
    }
}
