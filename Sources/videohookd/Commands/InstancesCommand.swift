import ArgumentParser
import Ledger

/// `videohookd instances [--json]`: the `serve` processes that share this ledger, alive
/// or not, and what each holds.
struct InstancesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instances",
        abstract: "List the serve instances of this ledger: host, pid, heartbeat, alive/lapsed/stopped, and what each holds.",
        discussion: """
            Every `serve` registers itself in the ledger and renews its heartbeat and the \
            leases of its work every 10 s (a third of its 30 s lease). An instance is alive \
            while its last heartbeat is within its lease; lapsed when it is older (killed, \
            crashed, or cut off from the database: the others take over what it held); \
            stopped after a clean stop, which gives its work back. HOLDS lists the download \
            jobs and notification deliveries it runs and the reconciler's turn. On SQLite \
            there is one instance at a time. Reads the ledger while `serve` runs; never \
            writes to it.
            """)

    @OptionGroup var location: LedgerLocation

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        try failingWithMessage {
            let ledger = try location.openForReading()
            let instances: [InstanceRecord]
            do throws(LedgerError) {
                instances = try ledger.instances()
            } catch {
                throw CommandFailure(error.description)
            }
            print(json ? try LedgerJSON.encode(instances) : InstanceTable.render(instances))
        }
    }
}
