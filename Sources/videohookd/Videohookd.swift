import ArgumentParser

@main
struct Videohookd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "videohookd",
        abstract: "Receives Seedance video-generation callbacks over HTTPS and archives every finished video.",
        discussion: """
            Start with `videohookd serve`: with no settings file it runs on embedded defaults \
            (a self-signed certificate and a callback token made in ./videohookd-state) and \
            prints the callback URL to give the video API.
            """,
        subcommands: [ServeCommand.self, CheckConfigCommand.self, CheckURLCommand.self]
    )
}
