/// A variable that systemd sets (`LISTEN_FDS`, `WATCHDOG_USEC`, ...) holds something the
/// protocol does not allow. Either systemd is not the one that set it, or a script copied
/// it by hand; the message says which variable and what was expected.
public struct SystemdEnvironmentError: Error, Equatable, CustomStringConvertible {
    public let variable: String
    public let value: String
    /// What is wrong, completing "VARIABLE=value ...".
    public let problem: String

    public init(variable: String, value: String, problem: String) {
        self.variable = variable
        self.value = value
        self.problem = problem
    }

    public var description: String {
        "\(variable)=\"\(value)\" \(problem). systemd sets \(variable) itself; "
            + "if videohookd was started by hand or by a script, unset it."
    }
}
