import Archive
import Foundation
import HTTPClient
import HTTP
import Ledger
import Logging
import TLS
import Transport

/// One attempt at one file: from the start, or resumed from what its partial file holds
/// with `Range` and `If-Range`, streamed to disk with the SHA-256 on the way, checked
/// against the declared length, fsynced.
///
/// A resumed response is trusted only when it is the same file: a 200 where a 206 was
/// asked, a 206 whose `Content-Range` does not start at our offset or has another total,
/// or a 416 that does not say the file is complete, all throw the partial bytes away and
/// start over (once per attempt). No byte of one version is ever spliced to another.
final class FileFetcher {
    struct Hooks {
        /// A response is about to be written from `offset`: record its facts.
        var responseStarted: (DownloadResponseFacts, _ offset: Int64) -> Void = { _, _ in }
        /// The partial file is fsynced at this length: record it as the resume offset.
        var checkpointed: (Int64) -> Void = { _ in }
        /// Free bytes on the archive's disk, nil when unknown.
        var availableSpace: () -> Int64? = { nil }
        /// The partial file is about to start over: its bytes are about to be gone.
        var willDiscard: () -> Void = {}
    }

    private let client: HTTPSClient
    private let configuration: DownloaderConfiguration
    private let canceller: ConnectionCanceller
    private let logger: Logger

    init(client: HTTPSClient, configuration: DownloaderConfiguration, canceller: ConnectionCanceller, logger: Logger) {
        self.client = client
        self.configuration = configuration
        self.canceller = canceller
        self.logger = logger
    }

    func fetch(_ plan: FetchPlan, into writer: PartialFileWriter, hooks: Hooks) throws(DownloadFailure) -> FetchedFile {
        let deadline = MonotonicClock.nanoseconds() + UInt64(configuration.attemptTimeout.seconds * 1e9)
        var resume = plan.resume
        var restarts = 0
        while true {
            if writer.length > 0, resume?.etag == nil, resume?.lastModified == nil {
                // Without a validator a changed file could not be told apart: start over.
                try restart(writer, plan, hooks: hooks, reason: "nothing identifies the file the partial bytes came from (no ETag or Last-Modified)")
                resume = nil
            }
            if let total = resume?.bytesTotal, writer.length == total, total > 0 {
                return try finish(writer, facts: resume!)
            }
            let offset = writer.length
            var headers: [(String, String)] = []
            if offset > 0, let resume {
                headers.append(("Range", "bytes=\(offset)-"))
                headers.append(("If-Range", resume.etag ?? resume.lastModified!))
            }
            let response: HTTPSResponse
            do {
                response = try client.get(plan.url, headers: headers, canceller: canceller, deadline: deadline,
                                          redirect: followRedirect(plan))
            } catch {
                throw DownloadFailure(error)
            }
            defer { response.close() }
            let status = response.head.status
            switch status {
            case 200:
                if offset > 0 {
                    guard restarts == 0 else { throw .temporary("the server answered 200 to a range request twice in one attempt") }
                    restarts += 1
                    try restart(writer, plan, hooks: hooks, reason: "the server sent the whole file (200) instead of the range: the file changed or ranges are not supported")
                }
                let facts = try acceptedFacts(response, plan: plan, total: response.contentLength)
                return try stream(response, into: writer, plan: plan, facts: facts, hooks: hooks)

            case 206:
                guard offset > 0, let previous = resume else {
                    throw .temporary("the server answered 206 Partial Content to a request without Range")
                }
                let range = response.head.headers["Content-Range"].flatMap(HTTPContentRange.init(parsing:))
                let bodyLength = range.flatMap { range in range.last.map { $0 - range.first! + 1 } }
                let matches = range?.first == offset && range?.completeLength != nil
                    && (previous.bytesTotal == nil || range?.completeLength == previous.bytesTotal)
                    && range?.last == (range?.completeLength ?? 0) - 1
                    && (response.contentLength == nil || response.contentLength == bodyLength)
                guard matches else {
                    guard restarts == 0 else { throw .temporary("the server's ranges do not match the file twice in one attempt") }
                    restarts += 1
                    let sent = response.head.headers["Content-Range"] ?? "none"
                    try restart(writer, plan, hooks: hooks, reason: "the range sent (Content-Range \(sent.prefix(80))) does not continue the \(offset) bytes on disk of \(previous.bytesTotal.map(String.init) ?? "unknown")")
                    resume = nil
                    continue
                }
                var facts = try acceptedFacts(response, plan: plan, total: range!.completeLength)
                // The validators of the original response still name the file.
                facts.etag = facts.etag ?? previous.etag
                facts.lastModified = facts.lastModified ?? previous.lastModified
                return try stream(response, into: writer, plan: plan, facts: facts, hooks: hooks)

            case 416:
                let range = response.head.headers["Content-Range"].flatMap(HTTPContentRange.init(parsing:))
                if let resume, let total = range?.completeLength, total == offset, resume.bytesTotal == nil || resume.bytesTotal == total {
                    var facts = resume
                    facts.bytesTotal = total
                    return try finish(writer, facts: facts)
                }
                guard restarts == 0, offset > 0 else {
                    throw .temporary("the server refused the range (416 Range Not Satisfiable)")
                }
                restarts += 1
                let sent = response.head.headers["Content-Range"] ?? "none"
                try restart(writer, plan, hooks: hooks, reason: "the server refused the range (416, Content-Range \(sent.prefix(80))); \(offset) bytes on disk of \(resume?.bytesTotal.map(String.init) ?? "unknown") expected")
                resume = nil

            case 403, 410:
                throw DownloadFailure(.linkRefused, "HTTP \(status) \(response.head.reason) for the \(plan.label) link: it has expired or was revoked")
            case 404:
                throw .permanent("HTTP 404 \(response.head.reason): the \(plan.label) is not at its link")
            case 408, 425, 429, 500...599:
                throw .temporary("HTTP \(status) \(response.head.reason)", retryAfter: Self.retryAfter(response.head.headers["Retry-After"]))
            default:
                throw .permanent("HTTP \(status) \(response.head.reason) for the \(plan.label) link")
            }
        }
    }

    /// Video links redirect to CDNs: follow at most `download.max_redirects`, each hop
    /// checked by the URL policy inside the client, each logged.
    private func followRedirect(_ plan: FetchPlan) -> (Redirect) -> RedirectDecision {
        let maxRedirects = configuration.maxRedirects
        let logger = self.logger
        return { redirect in
            guard redirect.hop <= maxRedirects else {
                return .refuse("more than \(maxRedirects) redirects (the last to \(LoggableURL.withoutQuery(redirect.to)))")
            }
            logger.info("download.redirect", metadata: ["file": "\(plan.label)", "hop": "\(redirect.hop)",
                                                        "from": "\(LoggableURL.withoutQuery(redirect.from))",
                                                        "to": "\(LoggableURL.withoutQuery(redirect.to))"])
            return .follow
        }
    }

    /// The checks made before the first body byte: type, size, room on the disk.
    private func acceptedFacts(_ response: HTTPSResponse, plan: FetchPlan, total: Int64?) throws(DownloadFailure) -> DownloadResponseFacts {
        let headers = response.head.headers
        let contentType = headers["Content-Type"]
        guard plan.rule.accepts(contentType) else {
            throw .permanent("the \(plan.label) is served as \"\((contentType ?? "").prefix(80))\", not \(plan.rule.expectation)")
        }
        // We asked for identity; a compressed body saved as is would not be the video.
        if let encoding = headers["Content-Encoding"], !encoding.isEmpty,
           ContentTypeRule.essence(encoding) != "identity" {
            throw .permanent("the \(plan.label) is sent with Content-Encoding \"\(encoding.prefix(40))\", which was not asked for")
        }
        if let total, total > configuration.maxBytes {
            throw .permanent("the \(plan.label) is \(total) bytes, over download.max_bytes (\(configuration.maxBytes))")
        }
        let etag = headers["ETag"].flatMap { $0.hasPrefix("W/") ? nil : $0 }
        return DownloadResponseFacts(bytesTotal: total, etag: etag, lastModified: headers["Last-Modified"],
                                     contentType: contentType)
    }

    private func stream(_ response: HTTPSResponse, into writer: PartialFileWriter, plan: FetchPlan,
                        facts: DownloadResponseFacts, hooks: Hooks) throws(DownloadFailure) -> FetchedFile {
        let offset = writer.length
        if let total = facts.bytesTotal, let free = hooks.availableSpace(),
           free - (total - offset) < configuration.diskReserveBytes {
            throw DownloadFailure(.diskFull, "the \(plan.label) needs \(total - offset) more bytes; \(free) are free and disk_reserve_bytes is \(configuration.diskReserveBytes)",
                                  bytesNeeded: total - offset)
        }
        hooks.responseStarted(facts, offset)
        let progress = ProgressReporter(logger: logger, label: plan.label, total: facts.bytesTotal, start: offset,
                                        interval: configuration.progressLogInterval.seconds)
        let checkpointNanoseconds = UInt64(configuration.checkpointInterval.seconds * 1e9)
        // A destination's marks (a bucket's part ends): a checkpoint as soon as one is
        // passed, so the part it ends is durable, and can go, at once.
        let marks = writer.markInterval
        var lastCheckpoint = (bytes: offset, time: MonotonicClock.nanoseconds())
        let maxBytes = configuration.maxBytes
        // A server that pauses gets what it sent saved at once: a kill during the pause
        // then loses nothing received.
        let idle = { () throws(DownloadFailure) in
            if self.canceller.isCancelled { throw .stopped }
            guard writer.length > writer.durableLength else { return }
            do throws(ArchiveError) {
                try writer.checkpointEverything()
            } catch {
                throw Self.failure(error)
            }
            hooks.checkpointed(writer.durableLength)
            lastCheckpoint = (writer.durableLength, MonotonicClock.nanoseconds())
        }
        do throws(DownloadFailure) {
            try response.readBody(idle: idle) { (bytes) throws(DownloadFailure) in
                if canceller.isCancelled { throw .stopped }
                if writer.length + Int64(bytes.count) > maxBytes {
                    throw .permanent("the \(plan.label) is larger than download.max_bytes (\(maxBytes)); stopped after \(writer.length) bytes")
                }
                do throws(ArchiveError) {
                    try writer.write(bytes)
                } catch {
                    throw Self.failure(error)
                }
                let now = MonotonicClock.nanoseconds()
                if writer.length - lastCheckpoint.bytes >= configuration.checkpointBytes
                    || now - lastCheckpoint.time >= checkpointNanoseconds
                    || marks.map({ writer.length / $0 > lastCheckpoint.bytes / $0 }) == true {
                    do throws(ArchiveError) {
                        try writer.checkpoint()
                    } catch {
                        throw Self.failure(error)
                    }
                    hooks.checkpointed(writer.durableLength)
                    lastCheckpoint = (writer.durableLength, now)
                    if let free = hooks.availableSpace(), free < configuration.diskReserveBytes {
                        throw DownloadFailure(.diskFull, "\(free) bytes free on the archive's disk, under disk_reserve_bytes (\(configuration.diskReserveBytes))")
                    }
                    progress.report(writer.length, now: now)
                }
            }
        } catch {
            if error.kind != .permanent { saveProgress(writer, hooks: hooks) }
            throw error
        }
        if case .length = response.framing, response.sentMoreThanDeclared() {
            try restart(writer, plan, hooks: hooks, reason: "the server sent more than its Content-Length")
            throw .temporary("the server sent more bytes than its Content-Length of \(response.contentLength ?? 0): the length cannot be trusted")
        }
        var final = facts
        if let total = facts.bytesTotal, writer.length != total {
            saveProgress(writer, hooks: hooks)
            throw .temporary("the \(plan.label) ended at \(writer.length) bytes, not the \(total) declared")
        }
        final.bytesTotal = writer.length
        return try finish(writer, facts: final)
    }

    private func finish(_ writer: PartialFileWriter, facts: DownloadResponseFacts) throws(DownloadFailure) -> FetchedFile {
        do {
            try writer.finish()
        } catch {
            throw Self.failure(error)
        }
        return FetchedFile(bytes: writer.length, sha256: writer.sha256(), facts: facts)
    }

    /// Keeps what arrived before a failure: fsynced and recorded, it is where the next
    /// attempt (or the next start of the daemon) resumes.
    private func saveProgress(_ writer: PartialFileWriter, hooks: Hooks) {
        do {
            try writer.checkpointEverything()
            hooks.checkpointed(writer.durableLength)
        } catch {
            // A full disk can refuse the last buffers; what reached the file still counts.
            if let length = writer.saveWhatWasWritten() { hooks.checkpointed(length) }
        }
    }

    private func restart(_ writer: PartialFileWriter, _ plan: FetchPlan, hooks: Hooks, reason: String) throws(DownloadFailure) {
        logger.notice("download.restarted", metadata: ["file": "\(plan.label)", "discarded_bytes": "\(writer.length)",
                                                       "reason": "\(reason)"])
        hooks.willDiscard()
        do {
            try writer.startOver()
        } catch {
            throw Self.failure(error)
        }
    }

    static func failure(_ error: ArchiveError) -> DownloadFailure {
        error.isOutOfSpace
            ? DownloadFailure(.diskFull, "the archive's disk is full: \(error)")
            : .temporary("cannot write the partial file: \(error)")
    }

    /// `Retry-After: 120` (seconds). The HTTP-date form is rare on CDNs and ignored.
    static func retryAfter(_ value: String?) -> Double? {
        guard let value, let seconds = Int(value.trimmingCharacters(in: .whitespaces)), seconds >= 0 else { return nil }
        return Double(seconds)
    }
}
