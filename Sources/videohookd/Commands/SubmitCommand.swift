import APIClient
import ArgumentParser
import Foundation
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

    var input: GenerationRequestInput {
        GenerationRequestInput(prompt: prompt, imageURLs: images, duration: duration, quality: quality,
                               aspectRatio: aspectRatio, generateAudio: !noAudio, model: model)
    }

    func validate() throws {
        let problems = input.problems()
        if !problems.isEmpty {
            throw ValidationError(GenerationRequestProblems(problems).description + "\n(nothing was sent)")
        }
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
            try? ledger.close()
        } catch {
            // The task exists and will be billed: its id must not be lost with the error.
            print(json ? String(decoding: answer.rawBody, as: UTF8.self) : answer.id.rawValue)
            throw SubmitFailure(.createdNotRecorded, "task \(answer.id) was created but could not be recorded in "
                + "the ledger: \(error.description). Its callback will still be recorded when it comes.")
        }
        print(json ? String(decoding: answer.rawBody, as: UTF8.self) : answer.id.rawValue)
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
