import Foundation

/// The names of a process's threads as the kernel holds them (`/proc/<pid>/task/*/comm`,
/// what `top -H` and `ps -L` show).
public enum ThreadNames {
    /// This test process's threads.
    public static func current() -> Set<String> { of("self") }

    public static func of(pid: Int32) -> Set<String> { of(String(pid)) }

    private static func of(_ process: String) -> Set<String> {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process)/task")) ?? []
        return Set(tasks.compactMap { task in
            (try? String(contentsOfFile: "/proc/\(process)/task/\(task)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        })
    }
}
