import HTTP
import Logging
import TLS
import Transport

/// One client connection: the TLS handshake, reading and parsing requests, handing each
/// to the router, writing answers in order, timeouts, and a clean close.
///
/// Confined to its event loop's thread. Requests on a connection are answered one at a
/// time and in order (pipelined ones wait in the parser's buffer); while one is with its
/// handler the connection stops reading, so a client cannot queue unbounded work.
final class Connection: @unchecked Sendable {
    // Sendable only so that a Responder can carry a weak reference back to the loop; the
    // connection is read and changed on its loop's thread alone (`loop.execute`).
    enum State { case fresh, handshaking, open, lingering, closed }

    let id: UInt64
    let fd: Int32
    let peer: SocketAddress?
    private let listener: ListenerRef
    private unowned let loop: EventLoop
    private let overCapacity: Bool

    private var state: State = .fresh
    private var tls: TLSConnection?
    private var parser: HTTPRequestParser
    private var output: [UInt8] = []
    private var outputSent = 0
    private var inFlight = false
    private var requestSequence: UInt64 = 0
    private var keepAliveAfterCurrent = true
    private var versionOfCurrent = HTTPVersion.http1_1
    private var closeAfterFlush = false
    private var blockedOnWrite = false
    private var processing = false
    private var requestsServed = 0
    private var phase: HTTPRequestParser.Phase = .idle
    private var phaseSince: UInt64
    private var lastProgress: UInt64
    private var lingerUntil: UInt64 = 0
    private var interest: Epoll.Interest = .readable
    /// Read interest stays on while the connection cannot take input (a request with its
    /// handler, a last answer going out, a backlog of output): clients seldom send
    /// anything then, and turning the interest off and on again would cost two
    /// `epoll_ctl` calls per request. Only when input does arrive meanwhile is it turned
    /// off, until the connection can read again, so level-triggered epoll cannot spin.
    private var inputWaitingWhileBusy = false

    struct ListenerRef {
        var name: String
        var tls: TLSContextStore?
        var router: Router
    }

    init(id: UInt64, fd: Int32, peer: SocketAddress?, listener: ServerListener, loop: EventLoop, overCapacity: Bool) {
        self.id = id
        self.fd = fd
        self.peer = peer
        self.listener = ListenerRef(name: listener.name, tls: listener.tls, router: listener.router)
        self.loop = loop
        self.overCapacity = overCapacity
        parser = HTTPRequestParser(limits: loop.configuration.limits)
        let now = MonotonicClock.nanoseconds()
        phaseSince = now
        lastProgress = now
    }

    private var logger: Logger { loop.logger }
    private var peerText: String { peer?.description ?? "-" }

    // MARK: Events

    /// Just accepted: a client's first bytes usually arrive with the connection, so the
    /// TLS handshake starts now rather than one trip round the event loop later, while
    /// the client waits for our first flight.
    func accepted() {
        if state == .fresh { start() }
    }

    func handle(_ event: Epoll.Event) {
        switch state {
        case .fresh:
            start()
        case .handshaking:
            advanceHandshake()
        case .open:
            // Both directions closed while an answer is being prepared: nobody is left
            // to read it, and level-triggered epoll would keep reporting the hang-up.
            if event.hangup, inFlight { close(); return }
            if event.writable, blockedOnWrite { flush() }
            // Reading may have stopped for a backlog of output that this flush cleared,
            // with input waiting that epoll no longer reports: in the socket while read
            // interest was off, or records read ahead into OpenSSL.
            if state == .open,
               event.readable || event.hangup || inputWaitingWhileBusy || tls?.hasBufferedInput == true {
                if !canTakeInput { inputWaitingWhileBusy = true }
                readAvailable()
            }
        case .lingering:
            drainWhileLingering()
        case .closed:
            return
        }
    }

    /// The first bytes decide: a TLS record on the TLS port starts a handshake; plain HTTP
    /// there gets a readable refusal instead of a TLS alert; anything else is dropped.
    private func start() {
        guard let store = listener.tls else {
            state = .open
            readAvailable()
            return
        }
        var first: UInt8 = 0
        switch withUnsafeMutableBytes(of: &first, { SystemSocket.peek(fd, into: $0) }) {
        case .nothingYet:
            return  // epoll says when the first bytes arrive
        case .failed, .bytes(0):
            close()
            return
        case .bytes:
            break
        }
        if first == 0x16 {
            do {
                tls = try TLSConnection(context: store.context, fd: fd)
            } catch {
                logger.error("tls.session_failed", metadata: ["peer": "\(peerText)", "reason": "\(error)"])
                close()
                return
            }
            state = .handshaking
            advanceHandshake()
        } else if (0x41...0x5A).contains(first) {
            logger.info("tls.plain_http", metadata: ["peer": "\(peerText)", "listener": "\(listener.name)"])
            loop.server.observer.handshakeFailed("plain HTTP on the TLS port")
            state = .open
            closeAfterFlush = true
            let refusal = HTTPResponse.apiError(status: 400, message: "this port speaks HTTPS; use an https:// URL")
            output = refusal.serialized(keepAlive: false)
            flush()
        } else {
            logger.info("tls.handshake_failed", metadata: ["peer": "\(peerText)", "reason": "not a TLS record"])
            loop.server.observer.handshakeFailed("not a TLS record")
            close()
        }
    }

    private func advanceHandshake() {
        guard let tls else { return }
        switch tls.handshake() {
        case .done:
            state = .open
            phaseSince = MonotonicClock.nanoseconds()
            blockedOnWrite = false
            readAvailable()
        case .wantRead:
            updateInterest(.readable)
        case .wantWrite:
            updateInterest(.writable)
        case .closed:
            close()
        case .failed(let reason):
            logger.info("tls.handshake_failed", metadata: ["peer": "\(peerText)", "reason": "\(reason)"])
            loop.server.observer.handshakeFailed(reason)
            close()
        }
    }

    // MARK: Reading

    /// Reading would not be stopped by a request in flight, a closing connection or a
    /// backlog of output.
    private var canTakeInput: Bool {
        state == .open && !inFlight && !closeAfterFlush && output.count - outputSent < 256 * 1024
    }

    /// Reads per turn of the loop, so that one fast sender cannot hold the loop.
    private static let readRoundsPerTurn = 8

    private func readAvailable() {
        if canTakeInput { inputWaitingWhileBusy = false }
        var rounds = 0
        while canTakeInput, rounds < Self.readRoundsPerTurn {
            rounds += 1
            let buffer = loop.readBuffer
            let outcome: TLSConnection.Outcome
            if let tls {
                outcome = tls.read(into: buffer)
            } else {
                do {
                    if let count = try SystemSocket.read(fd, into: buffer) {
                        outcome = count == 0 ? .closed : .done(count)
                    } else {
                        outcome = .wantRead
                    }
                } catch {
                    outcome = .failed(error.reason)
                }
            }
            switch outcome {
            case .done(let count):
                parser.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                lastProgress = MonotonicClock.nanoseconds()
                processRequests()
            case .wantRead:
                updateInterest(desiredInterest())
                return
            case .wantWrite:
                blockedOnWrite = true
                updateInterest(desiredInterest())
                return
            case .closed, .failed:
                // The client went away. An answer still owed is dropped with the socket;
                // the handler's work (a ledger commit) is unaffected.
                close()
                return
            }
        }
        updateInterest(desiredInterest())
        // Out of rounds, not of input: records read ahead into OpenSSL wake no epoll, so
        // come back for them after the loop's other work.
        if rounds == Self.readRoundsPerTurn, canTakeInput, tls?.hasBufferedInput == true {
            resumeReadingSoon()
        }
    }

    private func resumeReadingSoon() {
        let id = self.id
        weak let connection = self
        loop.execute {
            guard let connection, connection.id == id, connection.state == .open else { return }
            connection.readAvailable()
        }
    }

    /// Takes complete requests out of the parser, one at a time.
    private func processRequests() {
        if processing { return }
        processing = true
        defer { processing = false }
        while state == .open, !inFlight, !closeAfterFlush {
            let event: HTTPParseEvent?
            do {
                event = try parser.next()
            } catch {
                refuse(error)
                break
            }
            guard let event else { break }
            switch event {
            case .continueExpected(let head):
                if head.version == .http1_1 {
                    output.append(contentsOf: HTTPResponse.continueInterim)
                    flush()
                }
            case .request(let request):
                dispatch(request)
            }
        }
        notePhase()
    }

    private func dispatch(_ request: HTTPRequest) {
        let now = MonotonicClock.nanoseconds()
        let context = RequestContext(peer: peer, receivedAt: now, isTLS: tls != nil)
        inFlight = true
        requestSequence += 1
        keepAliveAfterCurrent = request.head.keepAlive
        versionOfCurrent = request.head.version
        if overCapacity {
            loop.server.observer.requestRefused(503, "over the connection limit", request.head, [], context)
            var headers = HTTPHeaders()
            headers.add("Retry-After", "5")
            keepAliveAfterCurrent = false
            deliver(.apiError(status: 503, message: "too many connections; retry later", headers: headers),
                    sequence: requestSequence)
            return
        }
        let sequence = requestSequence
        let loop = self.loop
        let id = self.id
        weak let connection = self
        let responder = Responder { response in
            // Answered on the loop's own thread (a quick handler): write it now, without
            // the hop through the loop's queue and its wake-up.
            if loop.isCurrentThread {
                connection?.deliver(response, sequence: sequence)
                return
            }
            loop.execute {
                // The connection may be gone; `weak` makes the late answer a no-op.
                guard let connection, connection.id == id else { return }
                connection.deliver(response, sequence: sequence)
            }
        }
        listener.router.handle(request, context: context, respond: responder)
    }

    /// A request the parser refused: answer with its status and close, as RFC 9112 asks
    /// when the framing can no longer be trusted.
    private func refuse(_ error: HTTPRequestError) {
        let context = RequestContext(peer: peer, receivedAt: MonotonicClock.nanoseconds(), isTLS: tls != nil)
        loop.server.observer.requestRefused(error.status, error.message, error.head, parser.bufferedBytePrefix, context)
        logger.info("http.refused", metadata: ["peer": "\(peerText)", "status": "\(error.status)",
                                               "reason": "\(error.message)"])
        closeAfterFlush = true
        output.append(contentsOf: HTTPResponse(error: error).serialized(keepAlive: false))
        flush()
    }

    // MARK: Writing

    private func deliver(_ response: HTTPResponse, sequence: UInt64) {
        guard state == .open, inFlight, sequence == requestSequence else { return }
        inFlight = false
        requestsServed += 1
        let keepAlive = keepAliveAfterCurrent && !loop.stopping
        if !keepAlive { closeAfterFlush = true }
        output.append(contentsOf: response.serialized(keepAlive: keepAlive, version: versionOfCurrent))
        let now = MonotonicClock.nanoseconds()
        phaseSince = now
        lastProgress = now
        flush()
        // Pipelined requests may wait in the parser, and decrypted bytes in OpenSSL's
        // buffer that epoll cannot see: look at both now instead of waiting for the socket.
        if !processing, state == .open, !closeAfterFlush {
            processRequests()
            if !inFlight { readAvailable() }
        }
    }

    private func flush() {
        while outputSent < output.count {
            let outcome: TLSConnection.Outcome = output.withUnsafeBytes { all in
                let rest = UnsafeRawBufferPointer(rebasing: all[outputSent...])
                if let tls { return tls.write(rest) }
                do throws(SocketError) {
                    if let count = try SystemSocket.write(fd, rest) { return .done(count) }
                    return .wantWrite
                } catch {
                    return .failed(error.reason)
                }
            }
            switch outcome {
            case .done(let count):
                outputSent += count
                lastProgress = MonotonicClock.nanoseconds()
            case .wantWrite, .wantRead:
                blockedOnWrite = true
                updateInterest(desiredInterest())
                return
            case .closed, .failed:
                close()
                return
            }
        }
        // Drop the buffer's memory too: thousands of idle connections should cost little.
        output = []
        outputSent = 0
        blockedOnWrite = false
        if closeAfterFlush {
            beginClose()
        } else {
            updateInterest(desiredInterest())
        }
    }

    // MARK: Closing

    /// Sends close_notify and a FIN, then reads and discards what the client still sends
    /// for a moment, so our last answer is not destroyed by a reset (RFC 9112 §9.6).
    private func beginClose() {
        tls?.shutdown()
        SystemSocket.shutdownWrite(fd)
        state = .lingering
        lingerUntil = MonotonicClock.nanoseconds() + 2_000_000_000
        updateInterest(.readable)
        drainWhileLingering()
    }

    private func drainWhileLingering() {
        let buffer = loop.readBuffer
        while state == .lingering {
            do {
                guard let count = try SystemSocket.read(fd, into: buffer) else { return }
                if count == 0 { close(); return }
            } catch {
                close()
                return
            }
        }
    }

    /// Ends a connection with no answer owed (idle keep-alive, or the server stopping):
    /// close_notify first, which TLS 1.3 requires before closing (RFC 8446 §6.1), so the
    /// client reads a clean end instead of a truncation error; no lingering, since there
    /// is no last answer for a reset to destroy.
    private func closeIdle() {
        tls?.shutdown()
        close()
    }

    func close() {
        guard state != .closed else { return }
        state = .closed
        tls = nil
        loop.forget(self)
        SystemSocket.close(fd)
    }

    /// The server is stopping: an idle connection closes now, a busy one after its answer
    /// (which carries `Connection: close`).
    func shutdownRequested() {
        switch state {
        case .open where !inFlight && phase == .idle && output.isEmpty && !parserHasBytes:
            closeIdle()
        case .fresh where requestsServed == 0:
            // Bytes may be waiting (a request that raced the stop): let it be served.
            return
        default:
            return
        }
    }

    private var parserHasBytes: Bool { parser.phase != .idle }

    // MARK: Timeouts

    func checkTimeouts(now: UInt64) {
        let configuration = loop.configuration
        func over(_ seconds: Double, since start: UInt64) -> Bool {
            now &- start > UInt64(seconds * 1e9)
        }
        switch state {
        case .fresh, .handshaking:
            if over(configuration.headerTimeout, since: phaseSince) {
                logger.debug("tls.handshake_timeout", metadata: ["peer": "\(peerText)"])
                close()
            }
        case .open:
            if !output.isEmpty {
                if over(configuration.idleTimeout, since: lastProgress) { close() }
                return
            }
            if inFlight { return }
            switch phase {
            case .idle:
                // Before its first request a connection gets the header timeout, so one
                // that handshakes and then says nothing is cut early.
                let limit = requestsServed == 0 ? configuration.headerTimeout : configuration.idleTimeout
                if over(limit, since: phaseSince) {
                    if loop.stopping || requestsServed > 0 { closeIdle() } else { timeOut("no request arrived in time") }
                }
            case .head:
                if over(configuration.headerTimeout, since: phaseSince) { timeOut("the request head took too long") }
            case .body:
                if over(configuration.bodyTimeout, since: phaseSince) { timeOut("the request body took too long") }
            }
        case .lingering:
            if now >= lingerUntil { close() }
        case .closed:
            return
        }
    }

    private func timeOut(_ reason: String) {
        logger.info("http.timeout", metadata: ["peer": "\(peerText)", "reason": "\(reason)"])
        let context = RequestContext(peer: peer, receivedAt: MonotonicClock.nanoseconds(), isTLS: tls != nil)
        loop.server.observer.requestRefused(408, reason, nil, [], context)
        closeAfterFlush = true
        output.append(contentsOf: HTTPResponse.apiError(status: 408, message: reason + "; send it faster or retry")
            .serialized(keepAlive: false))
        flush()
    }

    // MARK: Interest

    private func notePhase() {
        let current = parser.phase
        if current != phase {
            phase = current
            phaseSince = MonotonicClock.nanoseconds()
        }
    }

    private func desiredInterest() -> Epoll.Interest {
        var wanted: Epoll.Interest = []
        if blockedOnWrite { wanted.insert(.writable) }
        if state == .lingering || !inputWaitingWhileBusy { wanted.insert(.readable) }
        return wanted
    }

    private func updateInterest(_ wanted: Epoll.Interest) {
        guard state != .closed, wanted != interest else { return }
        interest = wanted
        loop.setInterest(self, wanted)
    }
}
