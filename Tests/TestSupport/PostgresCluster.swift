import Foundation
import Glibc

/// A throwaway PostgreSQL cluster (Debian's `postgresql` package): `initdb` in a
/// temporary folder, started with `pg_ctl`, listening only on a Unix socket in that same
/// folder (no TCP port to collide on, no system service), with `fsync=on` as in
/// production. Stopped (`pg_ctl stop -m immediate`) and its folder removed when the
/// object goes, at the process's exit for the shared one, and by a watchdog when the
/// test process dies without either (see `Watchdog` below).
///
/// `trust` lets every local connection in as any role, but for members of the
/// `password_roles` group, which must give their password (`scram-sha-256`):
/// ``createRole(_:password:)`` makes such a role.
///
/// **The server's user.** PostgreSQL refuses to run as root. When the tests run as root
/// (as here and in CI), `initdb`, `pg_ctl` and so the server run as the `postgres` user
/// that Debian's package creates (`nobody` when there is none), through `setpriv`, and
/// the folder is given to that user; `$TMPDIR` (else /tmp) must let it in. The tests'
/// own connections stay root's: the socket lets anyone connect. As any other user,
/// everything runs as that user.
///
/// The tools come from `$PATH` (`initdb`) or else from the newest
/// `/usr/lib/postgresql/<version>/bin`, where Debian keeps them.
public final class PostgresCluster: @unchecked Sendable {
    // @unchecked: the paths are set in init; `running` and `databaseCount` sit behind `lock`.

    /// The folder: the data directory (`data/`), the server's log (`server.log`) and
    /// the socket (`.s.PGSQL.5432`).
    public let folder: TemporaryDirectory
    public let port = 5432
    /// The directory the server's socket is in: libpq's `host` for a Unix socket.
    public var socketDirectory: String { folder.path }
    public var dataDirectory: String { folder.file("data") }
    public var logFile: String { folder.file("server.log") }
    private let binaries: String
    private let serverUser: (uid: uid_t, gid: gid_t)?
    private let watchdog: Watchdog
    private let lock = NSLock()
    private var running = false
    private var databaseCount = 0

    /// One cluster for the whole test process, for tests that each take a database of
    /// their own (``createDatabase(_:)``) and leave the server running. A test that
    /// stops the server makes a cluster of its own.
    public static func shared() throws -> PostgresCluster { try sharedCluster.get() }

    private static let sharedCluster: Result<PostgresCluster, any Error> = Result {
        let cluster = try PostgresCluster()
        atexit { try? PostgresCluster.sharedCluster.get().stopAtExit() }
        return cluster
    }

    /// Makes the cluster and starts it (a few seconds: `initdb` makes template databases).
    public init() throws {
        binaries = try Self.findBinaries()
        serverUser = try Self.serverUser()
        folder = TemporaryDirectory(prefix: "videohookd-pg")
        let socket = folder.file(".s.PGSQL.\(port)")
        guard socket.utf8.count < 108 else {
            throw DaemonError("the socket path \(socket) is too long for a Unix socket (set TMPDIR to a shorter folder)")
        }
        if let serverUser, chown(folder.path, serverUser.uid, serverUser.gid) != 0 {
            throw DaemonError("chown \(folder.path): \(String(cString: strerror(errno)))")
        }
        watchdog = try Watchdog(folder: folder.path,
                                stop: Self.asServerUser(serverUser, folder: folder.path,
                                                        [binaries + "/pg_ctl", "-D", folder.file("data"), "stop", "-m", "immediate"]))
        try runAsServerUser("initdb", ["-D", dataDirectory, "-A", "trust", "-U", "postgres", "--no-sync",
                                       "-E", "UTF8", "--locale=C"])
        // Appended by the user that owns the files, so their owner stays the server's.
        try runAsServerUser("/bin/sh", ["-c", """
            cat >> "$1/postgresql.conf" <<'EOF'
            listen_addresses = ''
            unix_socket_directories = '\(folder.path)'
            port = \(port)
            fsync = on
            synchronous_commit = on
            EOF
            printf '%s\\n' 'local all +password_roles scram-sha-256' 'local all all trust' > "$1/pg_hba.conf"
            """, "sh", dataDirectory])
        try start()
        try psql("CREATE ROLE password_roles NOLOGIN")
    }

    deinit {
        if isRunning { try? stop(mode: "immediate") }
        watchdog.release()
    }

    public var isRunning: Bool { lock.withLock { running } }

    /// A libpq connection string (`key=value` form) for `database` as `user`.
    public func conninfo(database: String = "postgres", user: String = "postgres") -> String {
        "host=\(socketDirectory) port=\(port) user=\(user) dbname=\(database)"
    }

    /// Makes a database (named `name`, else `test_<n>`) and returns its conninfo, for a
    /// test that wants tables of its own in the shared cluster.
    @discardableResult
    public func createDatabase(_ name: String? = nil) throws -> String {
        let name = name ?? lock.withLock {
            databaseCount += 1
            return "test_\(getpid())_\(databaseCount)"
        }
        try Self.checkIdentifier(name)
        try psql("CREATE DATABASE \(name)")
        return conninfo(database: name)
    }

    /// Makes a role that logs in with `password` only (`scram-sha-256`): a member of
    /// `password_roles`. It may use the `public` schema of the databases it connects to.
    public func createRole(_ name: String, password: String) throws {
        try Self.checkIdentifier(name)
        try psql("CREATE ROLE \(name) LOGIN PASSWORD '\(password.replacingOccurrences(of: "'", with: "''"))' IN ROLE password_roles")
    }

    /// Runs SQL as the superuser with `psql` (`ON_ERROR_STOP`) and returns what it printed
    /// (unaligned, tuples only).
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        try run(binaries + "/psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", socketDirectory,
                                     "-p", String(port), "-U", "postgres", "-d", database, "-c", sql])
    }

    /// Stops the server: `fast` (the default) ends sessions and shuts down cleanly,
    /// `immediate` kills it without a checkpoint, as a crash would.
    public func stop(mode: String = "fast") throws {
        try runAsServerUser("pg_ctl", ["-D", dataDirectory, "stop", "-m", mode, "-w"])
        lock.withLock { running = false }
    }

    /// Starts the server (again), waiting until it takes connections.
    public func start() throws {
        do {
            try runAsServerUser("pg_ctl", ["-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "start"])
        } catch {
            throw DaemonError("\(error)\nserver.log: \(serverLog.suffix(3000))")
        }
        lock.withLock { running = true }
    }

    /// What the server logged.
    public var serverLog: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    /// The shared cluster's end: a static is never deinitialized.
    private func stopAtExit() {
        if isRunning { try? stop(mode: "immediate") }
        try? FileManager.default.removeItem(atPath: folder.path)
    }

    // MARK: Processes

    private func runAsServerUser(_ tool: String, _ arguments: [String]) throws {
        let executable = tool.hasPrefix("/") ? tool : binaries + "/" + tool
        let command = Self.asServerUser(serverUser, folder: folder.path, [executable] + arguments)
        try run(command[0], Array(command.dropFirst()))
    }

    /// `command` as the server's user (through setpriv when that is not ours), in
    /// `folder`: the tests' working directory may be closed to that user.
    private static func asServerUser(_ user: (uid: uid_t, gid: gid_t)?, folder: String, _ command: [String]) -> [String] {
        let inFolder = ["/usr/bin/env", "-C", folder] + command
        guard let user else { return inFolder }
        return ["/usr/bin/setpriv", "--reuid=\(user.uid)", "--regid=\(user.gid)", "--clear-groups", "--"] + inFolder
    }

    /// Runs to the end with a clean environment (none of the runner's `PG*` variables),
    /// throwing with what it printed when it fails.
    @discardableResult
    private func run(_ executable: String, _ arguments: [String]) throws -> String {
        // Through ProcessRunner, whose output goes to a file: a listing read through a
        // pipe was seen to lose its tail on a loaded machine.
        do {
            return try ProcessRunner.run(executable, arguments, environment: ["PATH": "/usr/bin:/bin", "LC_ALL": "C"],
                                         timeout: 120)
        } catch let failure as ProcessRunner.Failure {
            throw DaemonError("\(arguments.first { !$0.hasPrefix("-") && !$0.hasPrefix("/") } ?? executable): \(failure.description)")
        }
    }

    private static func checkIdentifier(_ name: String) throws {
        guard !name.isEmpty, name.utf8.count < 64,
              name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }) else {
            throw DaemonError("\(name): use lower-case letters, digits and _ only (an unquoted identifier)")
        }
    }

    /// The folder of `initdb`, `pg_ctl` and `psql`.
    private static func findBinaries() throws -> String {
        let fileManager = FileManager.default
        func complete(_ directory: String) -> Bool {
            ["initdb", "pg_ctl", "psql"].allSatisfy { fileManager.isExecutableFile(atPath: directory + "/" + $0) }
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":").map(String.init) {
            let initdb = directory + "/initdb"
            guard fileManager.isExecutableFile(atPath: initdb) else { continue }
            // Debian's /usr/bin holds no initdb; one on PATH is often a link into the
            // versioned folder, where psql and pg_ctl sit beside it.
            let real = URL(fileURLWithPath: initdb).resolvingSymlinksInPath().deletingLastPathComponent().path
            if complete(real) { return real }
            if complete(directory) { return directory }
        }
        let versions = ((try? fileManager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .compactMap(Int.init).sorted(by: >)
        for version in versions where complete("/usr/lib/postgresql/\(version)/bin") {
            return "/usr/lib/postgresql/\(version)/bin"
        }
        throw DaemonError("PostgreSQL's initdb, pg_ctl and psql are neither on PATH nor in /usr/lib/postgresql/*/bin: "
            + "scripts/install-deps.sh test installs the postgresql package")
    }

    /// nil when the tests do not run as root; else the `postgres` user (or `nobody`).
    private static func serverUser() throws -> (uid: uid_t, gid: gid_t)? {
        guard geteuid() == 0 else { return nil }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
            throw DaemonError("running as root, and /usr/bin/setpriv (util-linux) is missing to start PostgreSQL as another user")
        }
        for name in ["postgres", "nobody"] {
            if let entry = getpwnam(name) { return (entry.pointee.pw_uid, entry.pointee.pw_gid) }
        }
        throw DaemonError("running as root, and neither a postgres nor a nobody user exists to run PostgreSQL as")
    }
}

/// Stops the cluster and removes its folder when the test process ends in any way,
/// `kill -9` included: a shell, started at once, that waits for the end of a pipe whose
/// only writer is this process (close-on-exec, so no other child holds it). The kernel
/// closes it when this process dies; then the shell runs `pg_ctl stop -m immediate` and
/// `rm -rf`. It ignores the terminal's signals, which reach the whole process group.
private final class Watchdog: @unchecked Sendable {
    // @unchecked: `writer` is closed once, by `release`, from deinit.
    private let process: ChildProcess
    private var writer: Int32

    init(folder: String, stop: [String]) throws {
        var ends: [Int32] = [0, 0]
        // Glibc's module leaves out pipe2; a child spawned between these two calls would
        // get the ends, but the tests' children are spawned with every other descriptor closed.
        guard pipe(&ends) == 0 else { throw DaemonError("pipe: \(String(cString: strerror(errno)))") }
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        // Above 3, where the shell gets it: ChildProcess refuses a source among its targets.
        let reader = fcntl(ends[0], F_DUPFD_CLOEXEC, 10)
        close(ends[0])
        defer { close(reader) }
        writer = ends[1]
        let script = #"trap '' INT TERM HUP QUIT; read -r _ <&3; folder=$1; shift; "$@" >/dev/null 2>&1; rm -rf "$folder""#
        do {
            process = try ChildProcess(executable: "/bin/sh", arguments: ["/bin/sh", "-c", script, "sh", folder] + stop,
                                       environment: ["PATH": "/usr/bin:/bin"], descriptors: [3: reader])
        } catch {
            close(writer)
            throw error
        }
    }

    /// Lets the watchdog go: it runs its stop (which finds nothing left to stop) and ends.
    func release() {
        guard writer >= 0 else { return }
        close(writer)
        writer = -1
        _ = process.waitForExit(timeout: 10)
    }
}
