import ArgumentParser

@main
struct Videohookd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "videohookd",
        abstract: "Receives Seedance video-generation callbacks over HTTPS and archives every finished video.",
        subcommands: [ServeCommand.self, CheckConfigCommand.self, CheckURLCommand.self, SubmitCommand.self,
                      TasksCommand.self, ShowCommand.self, RetryCommand.self, ReconcileCommand.self, EventsCommand.self, InstancesCommand.self,
                      DownloadBenchCommand.self]
    )
}
