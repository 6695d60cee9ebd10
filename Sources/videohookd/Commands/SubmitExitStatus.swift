import APIClient

/// The exit statuses of `videohookd submit`: one per outcome a script may want to tell
/// apart, one per documented error of the video API. The `--help` table is made from
/// the same list, so the two cannot drift.
enum SubmitExitStatus: Int32, CaseIterable {
    case created = 0
    case localFailure = 1
    case usage = 2
    case callbackURLRefused = 3
    case noAPIKey = 4
    case createdNotRecorded = 5
    case invalidRequest = 10
    case unauthenticated = 11
    case insufficientQuota = 12
    case permissionDenied = 13
    case notFound = 14
    case requestTooLarge = 15
    case rateLimited = 16
    case internalError = 17
    case upstreamError = 18
    case unavailable = 19
    case otherStatus = 20
    case unreachable = 21
    case unreadableAnswer = 22
    // `--wait` only: how the wait ended when the video was not archived.
    case taskFailed = 30
    case taskCancelled = 31
    case nothingToDownload = 32
    case downloadFailed = 33
    case waitTimedOut = 34
    case noServe = 35
    case interrupted = 130
    case terminated = 143

    init(_ error: APIClientError) {
        switch error {
        case .api(let failure):
            self = switch failure.kind {
            case .invalidRequest: .invalidRequest
            case .unauthenticated: .unauthenticated
            case .insufficientQuota: .insufficientQuota
            case .permissionDenied: .permissionDenied
            case .notFound: .notFound
            case .requestTooLarge: .requestTooLarge
            case .rateLimited: .rateLimited
            case .internalError: .internalError
            case .upstreamError: .upstreamError
            case .unavailable: .unavailable
            case .otherStatus: .otherStatus
            }
        case .unreachable: self = .unreachable
        case .unreadableAnswer: self = .unreadableAnswer
        case .badBaseURL, .setup: self = .localFailure
        }
    }

    var meaning: String {
        switch self {
        case .created: "the task was created and recorded; its id is printed (--wait: and its video archived)"
        case .localFailure: "settings, ledger, api.base_url or api.ca_file problem; nothing sent"
        case .usage: "a flag is missing or wrong; nothing sent"
        case .callbackURLRefused: "public_url unset, or the callback URL breaks the rules; nothing sent"
        case .noAPIKey: "no API key (api.key, api.key_file, VIDEOHOOKD_API_KEY); nothing sent"
        case .createdNotRecorded: "the task was created but not recorded in the ledger; its id is printed"
        case .invalidRequest: "400: the API refused a field (the message names it)"
        case .unauthenticated: "401: the API key is wrong or expired"
        case .insufficientQuota: "402: the account is out of quota"
        case .permissionDenied: "403: the key may not do this (use this model)"
        case .notFound: "404: no such model"
        case .requestTooLarge: "413: the request is too large"
        case .rateLimited: "429: rate limited, still after the retries"
        case .internalError: "500: the API failed"
        case .upstreamError: "502: the model service behind the API failed"
        case .unavailable: "503: the API is unavailable, still after the retries"
        case .otherStatus: "another HTTP status"
        case .unreachable: "no answer (name, connection, TLS, timeout)"
        case .unreadableAnswer: "the API's answer was not a task object"
        case .taskFailed: "--wait: the task failed at the API (its error code and message are printed)"
        case .taskCancelled: "--wait: the task was cancelled"
        case .nothingToDownload: "--wait: completed, but nothing is downloaded (the API contradicted the callback)"
        case .downloadFailed: "--wait: the download failed for good (the reason is printed; `retry ID` again)"
        case .waitTimedOut: "--wait: --timeout passed first; the task goes on"
        case .noServe: "--wait: no `serve` alive for this ledger during --serve-grace; the task waits"
        case .interrupted: "--wait: Ctrl-C (SIGINT) stopped the wait; the task goes on"
        case .terminated: "--wait: SIGTERM stopped the wait; the task goes on"
        }
    }

    static var helpTable: String {
        allCases.map { status in
            let code = String(status.rawValue)
            return String(repeating: " ", count: 3 - code.count) + code + "  " + status.meaning
        }.joined(separator: "\n")
    }
}
