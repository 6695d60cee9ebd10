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
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // The thin C shim: OpenSSL's function-like macros that Swift cannot import.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // Linux headers Glibc leaves out (epoll, eventfd, signalfd); nothing wrapped.
        .systemLibrary(name: "CLinux"),
        // libpq, PostgreSQL's C client (Debian's libpq-dev); nothing wrapped.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // Sockets, addresses, epoll and the monotonic clock on Glibc: the platform's corner.
        .target(name: "Transport", dependencies: ["CLinux"]),
        // TLS contexts and sessions over a non-blocking socket, certificate loading and
        // the self-signed certificate of the embedded defaults.
        .target(name: "TLS", dependencies: ["COpenSSL"]),
        // SHA-256 and HMAC-SHA256 on the same OpenSSL: the archive's checksums, webhook signatures.
        .target(name: "Hashing", dependencies: ["COpenSSL"]),
        // HTTP/1.1 (RFC 9112): the request and response parsers with their limits, and
        // response encoding. Knows nothing of sockets.
        .target(name: "HTTP"),
        // The service protocol, the stack that starts and stops services, named threads.
        .target(name: "Lifecycle", dependencies: ["CLinux"]),
        // The event loops that join transport, TLS and HTTP, and the router.
        .target(name: "Server", dependencies: ["CLinux", "Transport", "TLS", "HTTP", "Lifecycle",
                                              .product(name: "Logging", package: "swift-log")]),
        // The callback URL rules, one policy used everywhere a URL is accepted.
        .target(name: "URLPolicy"),
        // The one outbound HTTPS client: checked addresses, TLS with SNI and name check,
        // the project's response parser, timeouts, cancellation, caller-decided redirects.
        .target(name: "HTTPClient", dependencies: ["Transport", "TLS", "HTTP", "URLPolicy"]),
        // A small synchronous PostgreSQL client on libpq for one owner thread (the ledger's
        // writer): parameters, text results, transactions, pipelines, errors by SQLSTATE.
        .target(name: "Postgres", dependencies: ["CLibPQ"]),
        // The video API's task object and error shape.
        .target(name: "VideoAPI"),
        // The ledger: tasks, events, download jobs, rejected bodies, the writer thread; on
        // SQLite (GRDB) for one instance, or on PostgreSQL (Postgres) shared by several.
        .target(name: "Ledger", dependencies: ["Archive", "VideoAPI", "Lifecycle", "Outbox", "Postgres",
                                              .product(name: "GRDB", package: "GRDB.swift"),
                                              .product(name: "GRDBSQLite", package: "GRDB.swift")]),
        // POST /callbacks/<token>: check, decode, record, answer.
        .target(name: "Intake", dependencies: ["HTTP", "Server", "Ledger", "VideoAPI", "Transport",
                                              .product(name: "Logging", package: "swift-log")]),
        // The structured log file (logfmt), reopened on SIGHUP.
        .target(name: "EventLog", dependencies: [.product(name: "Logging", package: "swift-log")]),
        // The notification events: their types and bodies, as the ledger's outbox keeps them.
        .target(name: "Outbox"),
        // The settings file, environment overrides, embedded defaults, what a reload does.
        .target(name: "Settings", dependencies: ["Outbox", "Yams"]),
        // The daemon's Prometheus metrics (swift-prometheus's registry and text format).
        .target(name: "Telemetry", dependencies: [.product(name: "Prometheus", package: "swift-prometheus")]),
        // Archive files: partial files, fsync, atomic rename, the sidecar JSON, released
        // ranges (fallocate, from CLinux). File system only.
        .target(name: "Archive", dependencies: ["CLinux"]),
        // The poster frame of an archived video: ffmpeg found on the PATH, run once per video
        // on a thread of its own, the JPEG renamed into place beside the video.
        .target(name: "Poster", dependencies: ["Lifecycle", "Transport",
                                              .product(name: "Logging", package: "swift-log")]),
        // The download workers: queue, resume, verify, archive.
        .target(name: "Downloader", dependencies: ["Transport", "TLS", "HTTP", "HTTPClient", "URLPolicy", "Ledger",
                                                  "VideoAPI", "Archive", "Hashing", "Lifecycle",
                                                  .product(name: "Logging", package: "swift-log")]),
        // The object store's client: S3 requests signed with Signature Version 4 by hand,
        // sent through HTTPClient, answers read with FoundationXML.
        .target(name: "ObjectStore", dependencies: ["HTTP", "HTTPClient", "Hashing", "Transport"]),
        // The archive as a bucket: the download's destination that sends each video's parts
        // while it downloads, completes, verifies and records the object.
        .target(name: "ObjectArchive", dependencies: ["Archive", "Downloader", "Hashing", "HTTPClient", "Ledger",
                                                     "Lifecycle", "ObjectStore",
                                                     .product(name: "Logging", package: "swift-log")]),
        // The video API's client: create, query, retries as the API asks.
        .target(name: "APIClient", dependencies: ["VideoAPI", "URLPolicy", "HTTP", "HTTPClient", "Transport",
                                                 .product(name: "Logging", package: "swift-log")]),
        // The reconciler: asks the API about quiet tasks and unconfirmed callbacks.
        .target(name: "Reconciler", dependencies: ["APIClient", "Ledger", "VideoAPI", "Lifecycle",
                                                  .product(name: "Logging", package: "swift-log")]),
        // Delivers the outbox's events: signed webhooks, commands, retries on a schedule.
        .target(name: "Notifier", dependencies: ["Hashing", "HTTP", "HTTPClient", "Ledger", "Lifecycle", "Outbox",
                                                "Settings", "TLS", "Transport", "URLPolicy",
                                                .product(name: "Logging", package: "swift-log")]),
        // systemd notify protocol, socket activation, signals. Glibc (and Lifecycle's
        // threads) only, on purpose: it must work before anything else in the process starts.
        .target(name: "Daemon", dependencies: ["Lifecycle"]),
        // The archive site on the admin listener: the JSON API, the video with Range, the
        // pages, the access rules (token, session cookie, CSRF, security headers).
        .target(name: "ArchiveSite", dependencies: ["HTTP", "Server", "Ledger", "VideoAPI", "Hashing", "Poster",
                                                   .product(name: "Logging", package: "swift-log"),
                                                   .product(name: "Mustache", package: "swift-mustache")]),
        // `serve` put together: the composition root that wires every part into a service stack.
        .target(name: "Serve", dependencies: [
            "Transport", "TLS", "HTTP", "Lifecycle", "Server", "URLPolicy", "VideoAPI", "Ledger", "Intake", "EventLog",
            "Settings", "Daemon", "Telemetry", "Downloader", "APIClient", "Reconciler", "Notifier", "HTTPClient",
            "ObjectStore", "ObjectArchive", "Poster", "ArchiveSite", .product(name: "Logging", package: "swift-log"),
        ]),
        // The command line.
        .executableTarget(
            name: "videohookd",
            dependencies: [
                "URLPolicy", "VideoAPI", "Ledger", "Intake", "Settings", "Daemon", "Downloader", "APIClient",
                "Reconciler", "Serve", "Outbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // What several test targets share: a raw HTTPS client, the daemon as a process,
        // scripted video API answers, a connector to loopback.
        .target(name: "TestSupport", dependencies: ["TLS", "Transport", "URLPolicy", "HTTP", "HTTPClient", "APIClient",
                                                    "VideoAPI", .product(name: "Logging", package: "swift-log")],
                path: "Tests/TestSupport",
                exclude: ["fileserver.py", "fake_video_api.py", "webhook_receiver.py", "moto_s3_server.py", "moto_s3_setup.py",
                         "browser.py"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport"]),
        .testTarget(name: "TLSTests", dependencies: ["TLS", "TestSupport"]),
        .testTarget(name: "HashingTests", dependencies: ["Hashing"]),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP"]),
        .testTarget(name: "LifecycleTests", dependencies: ["Lifecycle"]),
        .testTarget(name: "ServerTests", dependencies: ["Server", "TLS", "COpenSSL", "HTTP", "Transport", "TestSupport",
                                                       .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "URLPolicyTests", dependencies: ["URLPolicy"]),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "HTTP", "TLS", "Transport", "URLPolicy",
                                                           "Hashing", "TestSupport"]),
        // Against a throwaway PostgreSQL cluster (TestSupport's PostgresCluster).
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "LedgerTests", dependencies: ["Archive", "Ledger", "VideoAPI", "Outbox", "Postgres", "TestSupport",
                                                       .product(name: "GRDB", package: "GRDB.swift")],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "IntakeTests", dependencies: ["Intake"]),
        .testTarget(name: "EventLogTests", dependencies: ["EventLog", "TestSupport",
                                                         .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "SettingsTests", dependencies: ["Settings", "Outbox", "TestSupport"]),
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry"]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "TestSupport"]),
        .testTarget(name: "ArchiveTests", dependencies: ["Archive", "TestSupport"]),
        .testTarget(name: "DownloaderTests", dependencies: ["Downloader", "Archive", "Ledger", "VideoAPI", "URLPolicy",
                                                           "HTTPClient", "Hashing", "TLS", "TestSupport",
                                                           .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "APIClientTests", dependencies: ["APIClient", "VideoAPI", "URLPolicy", "TestSupport",
                                                          .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "OutboxTests", dependencies: ["Outbox"]),
        .testTarget(name: "ObjectStoreTests", dependencies: ["ObjectStore", "HTTPClient", "Hashing", "TLS", "URLPolicy", "TestSupport"]),
        .testTarget(name: "ObjectArchiveTests", dependencies: ["ObjectArchive", "Downloader", "Hashing", "ObjectStore", "Ledger",
                                                              "HTTPClient", "TLS", "URLPolicy", "VideoAPI", "TestSupport"]),
        .testTarget(name: "NotifierTests", dependencies: ["Notifier", "TestSupport"]),
        .testTarget(name: "PosterTests", dependencies: ["Poster", "TestSupport"]),
        // Serve's own parts that need no daemon: the S3 client factory, the bucket check's rules.
        .testTarget(name: "ServeTests", dependencies: ["Serve", "Downloader", "Ledger", "ObjectStore", "Settings", "Telemetry", "TestSupport",
                                                      "URLPolicy", "VideoAPI"]),
        .testTarget(name: "ArchiveSiteTests", dependencies: ["ArchiveSite", "Archive", "HTTP", "Ledger", "Server", "VideoAPI", "TestSupport",
                                                            .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "ReconcilerTests", dependencies: ["Reconciler", "APIClient", "Ledger", "VideoAPI", "TestSupport",
                                                           .product(name: "Logging", package: "swift-log")]),
        // The command line's own parts (terminal rendering), tested in the executable.
        .testTarget(name: "CommandLineTests", dependencies: ["videohookd", "Daemon", "Ledger", "VideoAPI", "TestSupport"]),
        // Drives the built `videohookd` binary from outside, as curl and Python would; it
        // depends on the executable so that the binary is built, and imports none of it.
        .testTarget(name: "EndToEndTests", dependencies: ["videohookd", "TestSupport", "Ledger", "VideoAPI", "TLS", "Transport",
                                                         .product(name: "GRDB", package: "GRDB.swift")]),
    ],
    swiftLanguageModes: [.v6]
)
