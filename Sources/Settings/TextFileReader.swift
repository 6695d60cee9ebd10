#if canImport(Glibc)
import Glibc
#endif

/// Reads a small text file whole, with the system's reason when it cannot: the config
/// file and the API key file. The size cap keeps a wrong path (a video, a device) from
/// being read into memory.
enum TextFileReader {
    static func read(path: String, maxBytes: Int) -> Result<String, TextFileProblem> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(.system(errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(.system(errno)) }
        if (info.st_mode & S_IFMT) == S_IFDIR { return .failure(.system(EISDIR)) }

        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(.system(errno))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > maxBytes { return .failure(.tooLarge(maxBytes)) }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(.notUTF8)
        }
        return .success(text)
    }
}

enum TextFileProblem: Error, Equatable, CustomStringConvertible {
    case system(Int32)
    case tooLarge(Int)
    case notUTF8

    var description: String {
        switch self {
        case .system(let code): String(cString: strerror(code))
        case .tooLarge(let limit): "larger than \(limit) bytes"
        case .notUTF8: "not UTF-8 text"
        }
    }
}
