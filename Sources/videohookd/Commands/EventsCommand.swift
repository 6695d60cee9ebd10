import ArgumentParser
import Foundation
import Ledger
import Outbox

/// `videohookd events`: the notifications the daemon committed, their deliveries, and
/// replaying them.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "List the notification events (task.completed, video.archived, task.failed, download.failed) and their deliveries.",
        discussion: """
            Every event is committed with the change that caused it and delivered to each \
            webhook and command of `notify` that takes it, retried on notify.retry_delays. \
            `events show ID` prints every attempt; `events replay` queues events again with \
            the same id (a running serve sends them within a few seconds).
            """,
        subcommands: [EventsListCommand.self, EventsShowCommand.self, EventsReplayCommand.self],
        defaultSubcommand: EventsListCommand.self)
}

/// `videohookd events [--status S] [--task ID] [--json]`.
struct EventsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List events, newest first, with each delivery's state.")

    @OptionGroup var location: LedgerLocation

    @Option(help: ArgumentHelp("Only events in this state: pending, delivered or failed.", valueName: "status"),
            transform: { text in
                guard let status = NotificationEventStatus(rawValue: text.lowercased()) else {
                    throw ValidationError("unknown status '\(text)'; use one of: pending, delivered, failed")
                }
                return status
            })
    var status: NotificationEventStatus?

    @Option(help: ArgumentHelp("Only the events of this task.", valueName: "id"))
    var task: String?

    @Option(help: "At most this many events.")
    var limit = 200

    @Flag(help: "Print JSON lines instead of a table.")
    var json = false

    func run() throws {
        try failingWithMessage {
            let ledger = try location.openForReading()
            let events: [NotificationEventRecord]
            do throws(LedgerError) {
                events = try ledger.notificationEvents(status: status, taskID: task, limit: limit)
            } catch {
                throw CommandFailure(error.description)
            }
            if json {
                for event in events { print(try LedgerJSON.encode(event, pretty: false)) }
            } else {
                print(EventTable.render(events))
            }
        }
    }
}

/// `videohookd events show EVENT_ID`.
struct EventsShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one event: its body and every attempt (time, target, status or exit code, duration, error).")

    @OptionGroup var location: LedgerLocation

    @Argument(help: ArgumentHelp("The event id (evt_…), as `events` prints it.", valueName: "event-id"))
    var id: String

    func run() throws {
        try failingWithMessage {
            guard NotificationEventID.isWellFormed(id) else {
                throw CommandFailure("'\(TerminalText.escape(id))' is not an event id: they look like evt_ and 26 letters or digits")
            }
            let ledger = try location.openForReading()
            let detail: NotificationEventDetail?
            do throws(LedgerError) {
                detail = try ledger.notificationEvent(id: id)
            } catch {
                throw CommandFailure(error.description)
            }
            guard let detail else { throw CommandFailure("no event \(id) in the ledger") }
            print(EventReport.render(detail))
        }
    }
}

/// `videohookd events replay EVENT_ID | --task ID | --failed`.
struct EventsReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Queue events again, with their ids and bodies unchanged: one event, a task's, or every failed delivery.")

    @OptionGroup var location: LedgerLocation

    @Argument(help: ArgumentHelp("The event id to send again.", valueName: "event-id"))
    var id: String?

    @Option(help: ArgumentHelp("Every event of this task.", valueName: "id"))
    var task: String?

    @Flag(help: "Every delivery that failed for good.")
    var failed = false

    func validate() throws {
        guard [id != nil, task != nil, failed].filter({ $0 }).count == 1 else {
            throw ValidationError("say what to replay: an event id, --task ID or --failed (one of them)")
        }
        if let id, !NotificationEventID.isWellFormed(id) {
            throw ValidationError("'\(id)' is not an event id: they look like evt_ and 26 letters or digits")
        }
    }

    func run() throws {
        try failingWithMessage {
            let selection: ReplaySelection = if let id { .event(id) } else if let task { .task(task) } else { .failed }
            let ledger = try location.openForWriting()
            let queued: Int
            do throws(LedgerError) {
                queued = try ledger.replayNotifications(selection)
            } catch {
                throw CommandFailure(error.description)
            }
            if queued == 0 {
                throw CommandFailure("nothing to replay: \(id.map { "no event \($0), or it has no target" } ?? task.map { "task \($0) has no events with a target" } ?? "no delivery has failed")")
            }
            print("queued \(queued) deliver\(queued == 1 ? "y" : "ies") again; a running serve sends them within a few seconds")
        }
    }
}
