import APIClient
import ArgumentParser
import Foundation
import Glibc
import Intake
import Ledger
import Settings
import URLPolicy
import VideoAPI

/// `videohookd submit --prompt ...`: creates a generation task whose callback comes to
/// this daemon, records it in the ledger as submitted, then prints its id.
///
/// Everything that can be checked here is checked before anything is sent: every flag
/// against the API's documented limits, the API key, and the callback URL against the
/// callback URL rules. A task the API created is recorded before its id is printed, so
/// the reconciler knows it is awaited even if its callback never comes.
///
/// With `--wait` it then watches the task in the ledger (``TaskWatcher``), read-only,
/// while `serve` receives the callback and archives the video, and ends with where the
/// video is, or why it is not.
struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Create a video generation task that calls this daemon back, and record it.",
        discussion: """
            The callback URL is <public_url>/callbacks/<token>, checked against the \
            callback URL rules before anything is sent. The task is recorded in the \
            ledger (submitted by this daemon, with its request and estimated time) before \
            its id is printed. A 429 or 503 answer is retried, waiting as long as the API \
            asks (Retry-After); every other error is reported at once.

            --wait then watches the task in the ledger (read-only; `serve` does the \
            receiving and the download): queued, running with the API's progress, video \
            ready, downloading with bytes and rate, verified, and last `archived at PATH` \
            (or the object's s3://bucket/key). On a terminal (stdout) that is one line \
            redrawn in place; otherwise one plain line per phase, at most one more per \
            10 %. A failure is explained on stderr with its own exit status. Ctrl-C stops \
            the wait, never the task. Without a live `serve` for this ledger it says so, \
            and gives up after --serve-grace.

            Exit status:
            \(SubmitExitStatus.helpTable)
            """)

    @OptionGroup var location: LedgerLocation

    @Option(help: ArgumentHelp("What the video shows, at most \(GenerationRequestInput.maxPromptLength) characters.",
                               valueName: "text"))
    var prompt: String?

    @Option(name: .customLong("image"),
            help: ArgumentHelp("An image URL (.jpg .jpeg .png .webp, at most 10 MB): once for image to video, twice for the first and last frame.",
                               valueName: "url"))
    var images: [String] = []

    @Option(help: ArgumentHelp("Seconds, \(GenerationRequestInput.durationRange.lowerBound) to \(GenerationRequestInput.durationRange.upperBound) (default \(GenerationRequest.defaultDuration)).",
                               valueName: "seconds"))
    var duration: Int?

    @Option(help: ArgumentHelp("\(VideoQuality.allCases.map(\.rawValue).joined(separator: ", ")) (default \(VideoQuality.default.rawValue)).",
                               valueName: "quality"))
    var quality: String?

    @Option(name: .customLong("aspect-ratio"),
            help: ArgumentHelp("\(AspectRatio.allCases.map(\.rawValue).joined(separator: ", ")) (default \(AspectRatio.default.rawValue)).",
                               valueName: "ratio"))
    var aspectRatio: String?

    @Flag(name: .customLong("no-audio"), help: "A silent video (generate_audio false; audio costs more).")
    var noAudio = false

    @Option(help: ArgumentHelp("The model (default \(GenerationRequest.defaultModel)).", valueName: "name"))
    var model: String?

    @Flag(help: "Print the API's answer (the task object) instead of the task id.")
    var json = false

    @Flag(help: "After submitting, follow the task until its video is archived (or fails), and end with `archived at PATH`.")
    var wait = false

    @Option(help: ArgumentHelp("With --wait: stop waiting after this long (30s, 10m, 2h). Default: the task's estimated "
                               + "time + api.reconcile_grace + 30m, at least 1h.", valueName: "duration"))
    var timeout: String?

    @Option(name: .customLong("serve-grace"),
            help: ArgumentHelp("With --wait: give up when no `serve` has been alive for this ledger this long "
                               + "(default \(Int(WaitLimits.defaultServeGrace))s).", valueName: "duration"))
    var serveGrace: String?

    var input: GenerationRequestInput {
        GenerationRequestInput(prompt: prompt, imageURLs: images, duration: duration, quality: quality,
                               aspectRatio: aspectRatio, generateAudio: !noAudio, model: model)
    }

    func validate() throws {
        let problems = input.problems()
        if !problems.isEmpty {
            throw ValidationError(GenerationRequestProblems(problems).description + "\n(nothing was sent)")
        }
        if !wait, timeout != nil || serveGrace != nil {
            throw ValidationError("--timeout and --serve-grace go with --wait\n(nothing was sent)")
        }
        if wait, json {
            throw ValidationError("--json prints the API's answer as one JSON document: it does not go with --wait\n(nothing was sent)")
        }
        for (flag, value) in [("--timeout", timeout), ("--serve-grace", serveGrace)] {
            if let value, Self.seconds(value) == nil {
                throw ValidationError("\(flag) is \"\(value)\": expected a duration over 0 such as 90s, 30m or 2h\n(nothing was sent)")
            }
        }
    }

    /// A positive duration as the settings write them (`90`, `90s`, `30m`, `2h`), in seconds.
    static func seconds(_ text: String) -> Double? {
        guard let duration = DurationParser.parse(text) else { return nil }
        let seconds = WaitLimits.seconds(duration)
        return seconds > 0 ? seconds : nil
    }

    func run() throws {
        do {
            try submit()
        } catch {
            // `submit` throws only SubmitFailure (typed throws), so `error` is one.
            var standardError = StandardError()
            print("videohookd: \(error.message)", to: &standardError)
            throw ExitCode(error.status.rawValue)
        }
    }

    private func submit() throws(SubmitFailure) {
        let settings: Settings
        do {
            settings = try location.settings()
        } catch {
            throw SubmitFailure(.localFailure, "\(error); nothing was sent")
        }
        guard let key = settings.api.key else {
            throw SubmitFailure(.noAPIKey, "no API key: set api.key or api.key_file in the settings, or "
                + "VIDEOHOOKD_API_KEY; nothing was sent")
        }
        let stateDirectory = location.stateDirectory ?? settings.stateDirectory
        let token = try callbackToken(settings, stateDirectory: stateDirectory)
        let callbackURL = try checkedCallbackURL(settings, token: token)
        let request: GenerationRequest
        switch input.validated(callbackURL: callbackURL) {
        case .success(let value): request = value
        case .failure(let problems): throw SubmitFailure(.usage, problems.description + "\n(nothing was sent)")
        }

        let ledger: Ledger
        do {
            ledger = try LedgerLocation.open(settings, stateDirectory: stateDirectory)
        } catch {
            throw SubmitFailure(.localFailure, "\(error.description); nothing was sent")
        }
        let client: VideoAPIClient
        do {
            let transport = try HTTPSAPITransport(caFile: settings.api.caFile)
            client = try VideoAPIClient(configuration: VideoAPIClientConfiguration(baseURL: settings.api.baseURL,
                                                                                   key: BearerKey(key.value)),
                                        transport: transport, logger: CommandLogHandler.logger())
        } catch {
            throw SubmitFailure(.localFailure, "\(error.description); nothing was sent")
        }

        let answer: ValidatedTask
        do {
            answer = try client.createTask(request)
        } catch {
            throw SubmitFailure(SubmitExitStatus(error), error.description)
        }
        let submitted = SubmittedTask(answer: answer, requestJSON: request.jsonForLedger(token: token))
        do {
            _ = try ledger.record(.submitted(submitted))
        } catch {
            // The task exists and will be billed: its id must not be lost with the error.
            print(json ? String(decoding: answer.rawBody, as: UTF8.self) : answer.id.rawValue)
            throw SubmitFailure(.createdNotRecorded, "task \(answer.id) was created but could not be recorded in "
                + "the ledger: \(error.description). Its callback will still be recorded when it comes.")
        }
        print(json ? String(decoding: answer.rawBody, as: UTF8.self) : answer.id.rawValue)
        try? ledger.close()
        if wait {
            try waitForVideo(answer, settings: settings)
        }
    }

    /// `--wait`: follows the task in a read-only ledger until it is archived or cannot be.
    private func waitForVideo(_ answer: ValidatedTask, settings: Settings) throws(SubmitFailure) {
        let follow = "task \(answer.id) goes on: follow it with `videohookd show \(answer.id)`"
        let interruption = WaitInterruption()
        do {
            try interruption.start()
        } catch {
            throw SubmitFailure(.localFailure, "cannot watch for Ctrl-C (\(error)); \(follow)")
        }
        defer { interruption.stop() }
        let ledger: Ledger
        do {
            ledger = try location.openForReading()
        } catch {
            throw SubmitFailure(.localFailure, "cannot read the ledger (\(error)); \(follow)")
        }
        defer { try? ledger.close() }

        let estimated = answer.object.estimatedTime
        let limits = WaitLimits(
            timeout: timeout.flatMap(Self.seconds)
                ?? WaitLimits.defaultTimeout(estimatedTime: estimated, reconcileGrace: settings.api.reconcileGrace),
            serveGrace: serveGrace.flatMap(Self.seconds) ?? WaitLimits.defaultServeGrace)
        let id = answer.id
        let watcher = TaskWatcher(taskID: id, limits: limits,
                                  read: { () throws(LedgerError) in try ledger.task(id: id) },
                                  liveServes: { () throws(LedgerError) in try ledger.instances().filter { $0.state == .alive }.count },
                                  sleep: interruption.sleep)
        let environment = ProcessInfo.processInfo.environment
        if StandardOutput.isInteractiveTerminal(environment: environment) {
            var display = TerminalWaitDisplay(width: { TerminalWidth.of(descriptor: STDOUT_FILENO, environment: environment) },
                                              write: StandardOutput.write)
            try watcher.watch(&display)
        } else {
            var display = PlainWaitDisplay(write: StandardOutput.write)
            try watcher.watch(&display)
        }
    }

    /// The configured token, else the one `serve` made (or will use) in the state folder.
    private func callbackToken(_ settings: Settings, stateDirectory: String) throws(SubmitFailure) -> String {
        if let configured = settings.token?.value { return configured }
        do {
            try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o750])
            return try CallbackToken.loadOrCreate(in: stateDirectory).token.value
        } catch {
            throw SubmitFailure(.localFailure, "cannot read or make the callback token in \(stateDirectory): \(error); nothing was sent")
        }
    }

    /// `<public_url>/callbacks/<token>`, when it passes the callback URL rules. Messages
    /// never contain the token.
    private func checkedCallbackURL(_ settings: Settings, token: String) throws(SubmitFailure) -> String {
        guard let publicURL = settings.publicURL, !publicURL.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw SubmitFailure(.callbackURLRefused, "public_url is not set: the video API calls back "
                + "<public_url>/callbacks/<token>, so set public_url to the https://host[:port] it reaches this "
                + "daemon at; nothing was sent")
        }
        let check = checkPublicCallbackURL(publicURL: publicURL, token: token, listenPort: Int(settings.listen.port))
        switch check.outcome {
        case .accepted:
            return check.callbackURL
        case .unverified:
            throw SubmitFailure(.callbackURLRefused, "the callback URL could not be checked now ("
                + "\(check.refusal?.message ?? "the resolver failed")); nothing was sent, try again")
        case .refused, .guessed:
            throw SubmitFailure(.callbackURLRefused, check.message + " Nothing was sent.")
        }
    }
}
