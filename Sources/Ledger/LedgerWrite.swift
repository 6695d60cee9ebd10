/// One thing to record, as the intake hands it over.
public enum LedgerWrite: Sendable {
    /// A task body the daemon understands.
    case event(TaskEvent)
    /// JSON that is not a task the daemon understands; answered 2xx once stored.
    case unrecognized(UnrecognizedCallback)
    /// A body answered 400 or 413, kept so an operator can see what was refused.
    case rejected(RejectedBody)
    /// A task `videohookd submit` created: the API's answer, with the request sent.
    case submitted(SubmittedTask)
}
