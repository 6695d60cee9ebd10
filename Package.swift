// swift-tools-version:6.1
// videohookd: receives Seedance video-generation callbacks over HTTPS and archives
// every finished video. One module per part of the flow in shared/DESIGN.md.
import PackageDescription

let package = Package(
    name: "videohookd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "videohookd", targets: ["videohookd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // The thin C shim: OpenSSL's macros and constants that Swift cannot import.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // Linux headers Glibc leaves out (epoll, eventfd, signalfd); nothing wrapped.
        .systemLibrary(name: "CLinux"),
        // Sockets, addresses and epoll on Glibc: the platform's corner.
        .target(name: "Transport", dependencies: ["CLinux"]),
        // TLS contexts and sessions over a non-blocking socket, certificate loading and
        // the self-signed certificate of the embedded defaults.
        .target(name: "TLS", dependencies: ["COpenSSL", "Transport"]),
        // HTTP/1.1 (RFC 9112): the request parser with its limits and response encoding.
        // Knows nothing of sockets.
        .target(name: "HTTP"),
        // The event loops that join transport, TLS and HTTP, and the router.
        .target(name: "Server", dependencies: ["CLinux", "Transport", "TLS", "HTTP",
                                              .product(name: "Logging", package: "swift-log")]),
        // The callback URL rules, one policy used everywhere a URL is accepted.
        .target(name: "URLPolicy", dependencies: ["Transport"]),
        // The video API's task object and error shape.
        .target(name: "VideoAPI"),
        // SQLite ledger: tasks, events, download jobs, rejected bodies.
        .target(name: "Ledger", dependencies: ["CLinux", "VideoAPI", .product(name: "GRDB", package: "GRDB.swift")]),
        // POST /callbacks/<token>: check, decode, record, answer.
        .target(name: "Intake", dependencies: ["HTTP", "Server", "Ledger", "VideoAPI",
                                              .product(name: "Logging", package: "swift-log")]),
        // The structured log file (logfmt), reopened on SIGHUP.
        .target(name: "EventLog", dependencies: [.product(name: "Logging", package: "swift-log")]),
        // The settings file, environment overrides and embedded defaults.
        .target(name: "Settings", dependencies: ["Yams"]),
        // The daemon's Prometheus metrics (swift-prometheus's registry and text format).
        .target(name: "Telemetry", dependencies: [.product(name: "Prometheus", package: "swift-prometheus")]),
        // Archive files: partial files, fsync, atomic rename, the sidecar JSON. File system only.
        .target(name: "Archive"),
        // The HTTPS client on our own sockets and TLS, and the download workers.
        .target(name: "Downloader", dependencies: ["CLinux", "Transport", "TLS", "HTTP", "URLPolicy", "Ledger", "VideoAPI",
                                                  "Archive", .product(name: "Logging", package: "swift-log")]),
        // The video API's client (create, query) and the reconciler that asks it about
        // quiet tasks and unconfirmed callbacks.
        .target(name: "APIClient", dependencies: ["CLinux", "VideoAPI", "URLPolicy", "TLS", "Transport", "HTTP", "Ledger",
                                                 "Downloader", .product(name: "Logging", package: "swift-log")]),
        // systemd notify protocol, socket activation, signals. Glibc only, on purpose:
        // it must work before anything else in the process starts.
        .target(name: "Daemon"),
        // The command line.
        .executableTarget(
            name: "videohookd",
            dependencies: [
                "Transport", "TLS", "HTTP", "Server", "URLPolicy", "VideoAPI", "Ledger",
                "Intake", "EventLog", "Settings", "Daemon", "Telemetry", "Archive", "Downloader", "APIClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // What several test targets share: a raw HTTPS client, the daemon as a process.
        .target(name: "TestSupport", dependencies: ["TLS", "Transport", .product(name: "Logging", package: "swift-log")],
                path: "Tests/TestSupport",
                exclude: ["fileserver.py", "fake_video_api.py"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport"]),
        .testTarget(name: "TLSTests", dependencies: ["TLS", "TestSupport"]),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP"]),
        .testTarget(name: "ServerTests", dependencies: ["Server", "TLS", "HTTP", "Transport", "TestSupport"]),
        .testTarget(name: "URLPolicyTests", dependencies: ["URLPolicy"]),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger", "VideoAPI", "TestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "IntakeTests", dependencies: ["Intake", "Ledger", "HTTP", "Server", "VideoAPI",
                                                       .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "EventLogTests", dependencies: ["EventLog", "TestSupport"]),
        .testTarget(name: "SettingsTests", dependencies: ["Settings", "TestSupport"]),
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry"]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "TestSupport"]),
        .testTarget(name: "ArchiveTests", dependencies: ["Archive", "TestSupport"]),
        .testTarget(name: "DownloaderTests", dependencies: ["Downloader", "Archive", "Ledger", "VideoAPI", "URLPolicy",
                                                           "TLS", "HTTP", "Transport", "TestSupport",
                                                           .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "APIClientTests", dependencies: ["APIClient", "Ledger", "VideoAPI", "HTTP", "URLPolicy", "TestSupport",
                                                          .product(name: "Logging", package: "swift-log")]),
        // Drives the built `videohookd` binary from outside, as curl and Python would.
        .testTarget(name: "EndToEndTests", dependencies: ["videohookd", "TestSupport", "Ledger", "VideoAPI",
                                                         .product(name: "GRDB", package: "GRDB.swift")]),
    ],
    swiftLanguageModes: [.v6]
)
