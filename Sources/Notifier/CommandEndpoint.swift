import Foundation

/// One of the operator's commands: argv (no shell), its timeout, and the environment
/// the daemon runs with, to which each run adds the event's variables.
public struct CommandEndpoint: Sendable {
    public var run: [String]
    public var timeout: Duration
    private let runner: CommandRunner
    private let baseEnvironment: [String: String]

    public init(run: [String], timeout: Duration, baseEnvironment: [String: String],
                runner: CommandRunner = CommandRunner()) {
        self.run = run
        self.timeout = timeout
        self.runner = runner
        // The daemon's own settings and secrets stay with the daemon.
        self.baseEnvironment = baseEnvironment.filter { !$0.key.hasPrefix("VIDEOHOOKD_") && !$0.key.hasPrefix("AWS_") }
    }

    /// Runs the command once with `body` on its standard input; exit 0 is delivered.
    public func deliver(eventID: String, type: String, taskID: String, body: [UInt8]) -> DeliveryResult {
        var environment = baseEnvironment
        environment["VIDEOHOOKD_EVENT_ID"] = eventID
        environment["VIDEOHOOKD_EVENT_TYPE"] = type
        environment["VIDEOHOOKD_TASK_ID"] = taskID
        let paths = Self.archivePaths(body)
        if let video = paths.video { environment["VIDEOHOOKD_VIDEO_PATH"] = video }
        if let sidecar = paths.sidecar { environment["VIDEOHOOKD_SIDECAR_PATH"] = sidecar }
        let outcome = runner.run(run, stdin: body, environment: environment, timeout: timeout)
        let output = outcome.output.isEmpty ? nil : outcome.output
        switch outcome.ending {
        case .exited(0):
            return DeliveryResult(delivered: true, exitCode: 0, output: output)
        case .exited(let code):
            return DeliveryResult(delivered: false, error: "exited with status \(code)", exitCode: Int(code), output: output)
        case .killedBySignal(let signal):
            return DeliveryResult(delivered: false, error: "killed by signal \(signal)", output: output)
        case .timedOut:
            return DeliveryResult(delivered: false, error: "did not finish within its timeout of \(timeout); its process group was killed",
                                  output: output)
        case .couldNotStart(let reason):
            return DeliveryResult(delivered: false, error: reason)
        }
    }

    /// The archived file and its sidecar for a filesystem archive, from the body.
    static func archivePaths(_ body: [UInt8]) -> (video: String?, sidecar: String?) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let data = object["data"] as? [String: Any] else { return (nil, nil) }
        let video = (data["archive"] as? [String: Any])?["path"] as? String
        return (video, video == nil ? nil : data["sidecar"] as? String)
    }
}
