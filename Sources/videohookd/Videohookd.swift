import ArgumentParser

@main
struct Videohookd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "videohookd",
        abstract: "Receives Seedance video-generation callbacks over HTTPS and archives every finished video.",
        subcommands: [TasksCommand.self, ShowCommand.self]
    )
}
