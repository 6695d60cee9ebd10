import Ledger

/// The `instances` command's table: one instance a line, the newest first, with what it
/// holds now.
enum InstanceTable {
    static func render(_ instances: [InstanceRecord]) -> String {
        guard !instances.isEmpty else { return "no instances yet: `videohookd serve` has not run on this ledger" }
        var table = TextTable(header: ["INSTANCE", "HOST", "PID", "VERSION", "STARTED (UTC)", "HEARTBEAT", "STATE", "HOLDS"])
        for instance in instances {
            table.rows.append([
                instance.id,
                TerminalText.escape(instance.host),
                "\(instance.pid)",
                TerminalText.escape(instance.version ?? "-"),
                UTCTime.format(instance.startedAt),
                age(instance.heartbeatAge) + " ago",
                instance.state.rawValue,
                holdings(instance),
            ])
        }
        let alive = instances.filter { $0.state == .alive }.count
        let lapsed = instances.filter { $0.state == .lapsed }.count
        var summary = "\(instances.count) instance\(instances.count == 1 ? "" : "s"): \(alive) alive"
        if lapsed > 0 { summary += ", \(lapsed) lapsed (no heartbeat within the lease: what they held is taken over)" }
        return table.render() + "\n" + summary
    }

    /// `2 downloads (task-a, task-b); 1 delivery (evt_… to webhook …); reconciler`.
    static func holdings(_ instance: InstanceRecord) -> String {
        var parts: [String] = []
        func list(_ work: [InstanceRecord.HeldWork], _ one: String, _ many: String) {
            guard !work.isEmpty else { return }
            let names = work.map { TerminalText.escape($0.name) }.joined(separator: ", ")
            parts.append("\(work.count) \(work.count == 1 ? one : many) (\(names))")
        }
        list(instance.downloads, "download", "downloads")
        list(instance.deliveries, "delivery", "deliveries")
        parts += instance.leases.map { TerminalText.escape($0.name) }
        return parts.isEmpty ? "-" : parts.joined(separator: "; ")
    }

    /// `4s`, `3m12s`, `2h05m`, `3d04h`.
    static func age(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.down))
        switch total {
        case ..<60: return "\(total)s"
        case ..<3600: return "\(total / 60)m\(pad(total % 60))s"
        case ..<86_400: return "\(total / 3600)h\(pad(total % 3600 / 60))m"
        default: return "\(total / 86_400)d\(pad(total % 86_400 / 3600))h"
        }
    }

    private static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
