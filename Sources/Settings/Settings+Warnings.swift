import Foundation

extension Settings {
    /// What is allowed but worth a second look; `check-config` prints these without
    /// failing, and `serve` logs them.
    public var warnings: [String] {
        var warnings: [String] = []
        for (index, webhook) in notify.webhooks.enumerated() {
            guard let parts = URLComponents(string: webhook.url), parts.scheme?.lowercased() == "http" else { continue }
            let host = parts.host ?? ""
            if !LoopbackHost.contains(host) {
                warnings.append("notify.webhooks[\(index)].url is plain http to \(host): its deliveries (signed, but not encrypted) cross the network in clear text; use https")
            }
        }
        for (index, command) in notify.commands.enumerated() {
            if let program = command.run.first, access(program, X_OK) != 0 {
                warnings.append("notify.commands[\(index)].run: \(program) is not an executable file here (\(String(cString: strerror(errno)))); its deliveries will fail until it is")
            }
        }
        return warnings + loadWarnings.map(\.description)
    }
}
