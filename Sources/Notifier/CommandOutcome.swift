/// How one run of a notification command ended.
public struct CommandOutcome: Sendable, Equatable {
    public enum Ending: Sendable, Equatable {
        case exited(Int32)
        case killedBySignal(Int32)
        /// It ran past its timeout: its whole process group was killed.
        case timedOut
        case couldNotStart(String)
    }

    public var ending: Ending
    /// Standard output and error as they came, cut to the runner's limit, with a note of
    /// what was cut.
    public var output: String
    public var duration: Duration

    public var succeeded: Bool { ending == .exited(0) }
}
