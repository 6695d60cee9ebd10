/// `ledger.*`: a shared PostgreSQL ledger instead of SQLite in `state_dir`.
///
/// `Settings.ledger` is nil unless `ledger.url` is set: then the ledger stays the SQLite
/// file `<state_dir>/ledger.sqlite`, as before. The password never sits in the URL: it
/// comes from `ledger.password_file`, or from what libpq reads itself (`PGPASSWORD`,
/// `~/.pgpass`, a client certificate).
public struct LedgerSettings: Sendable, Equatable {
    /// A libpq connection URL, `postgresql://user@host:port/db?sslmode=verify-full`,
    /// without a password. libpq's `PG*` environment variables fill what it leaves out.
    public var url: String
    public var password: Secret?
    /// The file the password came from, for `check-config`.
    public var passwordFile: String?

    public init(url: String, password: Secret? = nil, passwordFile: String? = nil) {
        self.url = url
        self.password = password
        self.passwordFile = passwordFile
    }
}
