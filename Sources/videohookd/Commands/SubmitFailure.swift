/// A failed `submit`: the message and the exit status that says which failure it was.
struct SubmitFailure: Error {
    var status: SubmitExitStatus
    var message: String

    init(_ status: SubmitExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }
}
