import HTTP
import Logging
import TLS
import Transport

/// One client connection's I/O: the socket, the TLS session, the request parser and the
/// output, driven by a ``ConnectionStateMachine`` that holds its state and decides each
/// step (handshake, reading and parsing, handing each request to the router, writing
/// answers in order, timeouts, a clean close). Here are the system calls, the logging
/// and the observer; there, every flag and deadline.
///
/// Confined to its event loop's thread. Requests on a connection are answered one at a
/// time and in order (pipelined ones wait in the parser's buffer); while one is with its
/// handler the connection stops reading, so a client cannot queue unbounded work.
final class Connection: @unchecked Sendable {
    // Sendable only so that a Responder can carry a weak reference back to the loop; the
    // connection is read and changed on its loop's thread alone (`loop.execute`).

    let id: UInt64
    let fd: Int32
    let peer: SocketAddress?
    /// What the connection counts against in the per-address cap; nil when the kernel
    /// gave no address.
    let peerKey: PeerKey?
    private let listener: ListenerRef
    private unowned let loop: EventLoop

    private var machine: ConnectionStateMachine
    private var tls: TLSConnection?
    /// The ClientHello being gathered, before the session exists (``ClientHelloRecord``).
    private var clientHello: ClientHelloRecord?
    private var parser: HTTPRequestParser
    private var output: [UInt8] = []
    private var outputSent = 0
    /// A file body being sent after its head, in chunks read as the socket takes them;
    /// `position` counts the bytes already read into `output`.
    private var pendingFile: (body: HTTPFileBody, position: Int64)?
    /// The request in flight is a HEAD: its answer goes without a body.
    private var headInFlight = false

    /// How much of a file body is read at a time: a few socket buffers' worth.
    static let fileChunkBytes = 256 * 1024

    struct ListenerRef {
        var name: String
        var tls: TLSContextStore?
        var router: Router
    }

    init(id: UInt64, fd: Int32, peer: SocketAddress?, peerKey: PeerKey?, listener: ServerListener, loop: EventLoop,
         overCapacity: Bool) {
        self.id = id
        self.fd = fd
        self.peer = peer
        self.peerKey = peerKey
        self.listener = ListenerRef(name: listener.name, tls: listener.tls, router: listener.router)
        self.loop = loop
        parser = HTTPRequestParser(limits: loop.configuration.limits)
        machine = ConnectionStateMachine(now: MonotonicClock.nanoseconds(), tls: listener.tls != nil,
                                         overCapacity: overCapacity)
    }

    private var logger: Logger { loop.logger }
    private var peerText: String { peer?.description ?? "-" }

    // MARK: Entries from the loop
    //
    // Each ends by telling epoll the interest the machine now wants, if it changed: once,
    // before the loop waits again.

    /// Just accepted: a client's first bytes usually arrive with the connection, so the
    /// TLS handshake starts now rather than one trip round the event loop later, while
    /// the client waits for our first flight.
    func accepted() {
        perform(machine.start())
        applyInterest()
    }

    func handle(_ event: Epoll.Event) {
        perform(machine.socketReady(readable: event.readable, writable: event.writable, hangup: event.hangup,
                                    bufferedInput: tls?.hasBufferedInput == true))
        applyInterest()
    }

    /// The server is stopping; what is left closes at the loop's stop deadline.
    func shutdownRequested() {
        perform(machine.stopRequested(deadline: loop.stopDeadline, parserPhase: parser.phase))
        applyInterest()
    }

    /// Not through its TLS handshake: the loop may displace it when the listener is full.
    var awaitsHandshake: Bool { machine.awaitsHandshake }

    /// Closed for a new connection at the cap (the loop checked ``awaitsHandshake``).
    func displace() {
        perform(machine.displaced())
    }

    func checkTimeouts(now: UInt64, timeouts: ConnectionStateMachine.Timeouts) {
        perform(machine.tick(now: now, timeouts: timeouts))
        applyInterest()
    }

    private func applyInterest() {
        if let wanted = machine.interestUpdate() { loop.setInterest(self, wanted) }
    }

    // MARK: Actions

    private func perform(_ action: ConnectionStateMachine.Action) {
        switch action {
        case .none:
            return
        case .peekFirstByte:
            peekFirstByte()
        case .startHandshake:
            startHandshake()
        case .continueHandshake:
            advanceHandshake()
        case .closeNotTLS:
            logger.info("tls.handshake_failed", metadata: ["peer": "\(peerText)", "reason": "not a TLS record"])
            loop.server.observer.handshakeFailed("not a TLS record")
            closeSocket()
        case .refusePlainHTTP:
            logger.info("tls.plain_http", metadata: ["peer": "\(peerText)", "listener": "\(listener.name)"])
            loop.server.observer.handshakeFailed("plain HTTP on the TLS port")
            let refusal = HTTPResponse.apiError(status: 400, message: "this port speaks HTTPS; use an https:// URL")
            queue(refusal.serialized(keepAlive: false))
            flush()
        case .read:
            readAvailable()
        case .readRound:
            readAvailable()  // not returned outside a read turn
        case .resumeReadingSoon:
            resumeReadingSoon()
        case .continueWriting(let readable):
            flush()
            // Reading may have stopped for a backlog of output that this flush cleared,
            // with input waiting that epoll no longer reports: in the socket while read
            // interest was off, or records read ahead into OpenSSL.
            perform(machine.inputMayBeWaiting(readable: readable, bufferedInput: tls?.hasBufferedInput == true))
        case .sendContinue:
            queue(HTTPResponse.continueInterim)
            flush()
        case .timeOut(let timeout):
            timeOut(timeout)
        case .resumeInput:
            processRequests()
            readAvailable()
        case .shutdownAndLinger:
            // close_notify and a FIN, then read and discard what the client still sends
            // for a moment, so our last answer is not destroyed by a reset (RFC 9112 §9.6).
            tls?.shutdown()
            SystemSocket.shutdownWrite(fd)
            drainWhileLingering()
        case .drainLinger:
            drainWhileLingering()
        case .closeIdle:
            // No answer owed (idle keep-alive, or the server stopping): close_notify first,
            // which TLS 1.3 requires before closing (RFC 8446 §6.1), so the client reads a
            // clean end instead of a truncation error; no lingering, since there is no last
            // answer for a reset to destroy.
            tls?.shutdown()
            closeSocket()
        case .displaced:
            logger.debug("connection.displaced", metadata: ["peer": "\(peerText)"])
            loop.server.observer.connectionDropped(.displaced)
            closeSocket()
        case .handshakeTimedOut:
            logger.debug("tls.handshake_timeout", metadata: ["peer": "\(peerText)"])
            closeSocket()
        case .close:
            closeSocket()
        }
    }

    // MARK: Starting

    private func peekFirstByte() {
        var first: UInt8 = 0
        switch withUnsafeMutableBytes(of: &first, { SystemSocket.peek(fd, into: $0) }) {
        case .nothingYet:
            return  // epoll says when the first bytes arrive
        case .failed, .bytes(0):
            perform(machine.transportClosed())
        case .bytes:
            perform(machine.peeked(first))
        }
    }

    private func startHandshake() {
        clientHello = ClientHelloRecord()
        gatherClientHello()
    }

    /// Reads the first record into the connection's own buffer, exactly, and makes the
    /// session only when it is whole.
    private func gatherClientHello() {
        guard var record = clientHello else { return }
        let buffer = loop.readBuffer
        while !record.isComplete {
            let window = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(record.missing, buffer.count)])
            let count: Int?
            do {
                count = try SystemSocket.read(fd, into: window)
            } catch {
                clientHello = nil
                return perform(machine.transportClosed())
            }
            guard let count else {
                clientHello = record
                machine.handshakeWants(.readable)
                return
            }
            guard count > 0 else {
                clientHello = nil
                return perform(machine.transportClosed())
            }
            do {
                try record.append(UnsafeRawBufferPointer(rebasing: window[0..<count]))
            } catch {
                clientHello = nil
                logger.info("tls.handshake_failed", metadata: ["peer": "\(peerText)", "reason": "\(error.reason)"])
                loop.server.observer.handshakeFailed(error.reason)
                return perform(machine.transportClosed())
            }
        }
        clientHello = nil
        guard let store = listener.tls else { return perform(machine.transportClosed()) }
        do {
            tls = try TLSConnection(context: store.context, fd: fd, firstBytes: record.bytes)
        } catch {
            logger.error("tls.session_failed", metadata: ["peer": "\(peerText)", "reason": "\(error)"])
            return perform(machine.transportClosed())
        }
        advanceHandshake()
    }

    private func advanceHandshake() {
        guard let tls else { return gatherClientHello() }
        switch tls.handshake() {
        case .done:
            perform(machine.handshakeDone(now: MonotonicClock.nanoseconds()))
        case .wantRead:
            machine.handshakeWants(.readable)
        case .wantWrite:
            machine.handshakeWants(.writable)
        case .closed:
            perform(machine.transportClosed())
        case .failed(let reason):
            logger.info("tls.handshake_failed", metadata: ["peer": "\(peerText)", "reason": "\(reason)"])
            loop.server.observer.handshakeFailed(reason)
            perform(machine.transportClosed())
        }
    }

    // MARK: Reading

    /// A read turn: up to ``ConnectionStateMachine/readRoundsPerTurn`` reads, each
    /// followed by the requests it completed.
    private func readAvailable() {
        var next = machine.readTurnBegins()
        while next == .readRound {
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
                machine.bytesRead(now: MonotonicClock.nanoseconds())
                processRequests()
                next = machine.readRoundEnded(bufferedInput: tls?.hasBufferedInput == true)
            case .wantRead:
                return
            case .wantWrite:
                machine.readNeedsWrite()
                return
            case .closed, .failed:
                perform(machine.transportClosed())
                return
            }
        }
        perform(next)
    }

    /// Records read ahead into OpenSSL wake no epoll: come back for them after the loop's
    /// other work.
    private func resumeReadingSoon() {
        let id = self.id
        weak let connection = self
        loop.execute {
            guard let connection, connection.id == id else { return }
            connection.readAvailable()
            connection.applyInterest()
        }
    }

    /// Takes complete requests out of the parser, one at a time.
    private func processRequests() {
        // A file still being sent holds the next answer back: its bytes go first.
        guard pendingFile == nil, machine.parsingBegins() else { return }
        while machine.takesNextRequest {
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
                perform(machine.continueExpected(version: head.version))
            case .request(let request):
                switch machine.requestReady(keepAlive: request.head.keepAlive, version: request.head.version) {
                case .dispatch(let sequence):
                    dispatch(request, sequence: sequence)
                case .refuseOverCapacity(let sequence):
                    refuseOverCapacity(request, sequence: sequence)
                }
            }
        }
        machine.parsingEnds(phase: parser.phase, now: MonotonicClock.nanoseconds())
    }

    private func dispatch(_ request: HTTPRequest, sequence: UInt64) {
        headInFlight = request.head.method == "HEAD"
        let context = RequestContext(peer: peer, receivedAt: MonotonicClock.nanoseconds(), isTLS: tls != nil)
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

    private func refuseOverCapacity(_ request: HTTPRequest, sequence: UInt64) {
        let context = RequestContext(peer: peer, receivedAt: MonotonicClock.nanoseconds(), isTLS: tls != nil)
        loop.server.observer.requestRefused(503, "over the connection limit", request.head, [], context)
        var headers = HTTPHeaders()
        headers.add("Retry-After", "5")
        deliver(.apiError(status: 503, message: "too many connections; retry later", headers: headers),
                sequence: sequence)
    }

    /// A request the parser refused: answer with its status and close.
    private func refuse(_ error: HTTPRequestError) {
        machine.requestMalformed()
        let context = RequestContext(peer: peer, receivedAt: MonotonicClock.nanoseconds(), isTLS: tls != nil)
        loop.server.observer.requestRefused(error.status, error.message, error.head, parser.bufferedBytePrefix, context)
        logger.info("http.refused", metadata: ["peer": "\(peerText)", "status": "\(error.status)",
                                               "reason": "\(error.message)"])
        queue(HTTPResponse(error: error).serialized(keepAlive: false))
        flush()
    }

    private func timeOut(_ timeout: ConnectionStateMachine.Timeout) {
        let reason = timeout.reason
        logger.info("http.timeout", metadata: ["peer": "\(peerText)", "reason": "\(reason)"])
        let context = RequestContext(peer: peer, receivedAt: MonotonicClock.nanoseconds(), isTLS: tls != nil)
        loop.server.observer.requestRefused(408, reason, nil, [], context)
        queue(HTTPResponse.apiError(status: 408, message: reason + "; send it faster or retry").serialized(keepAlive: false))
        flush()
    }

    // MARK: Writing

    /// A handler's answer, on the loop's thread: an entry of its own when it comes
    /// through `loop.execute`, or from inside `dispatch` for a quick handler.
    private func deliver(_ response: HTTPResponse, sequence: UInt64) {
        guard case .send(let keepAlive, let version) = machine.responseReady(sequence: sequence,
                                                                              now: MonotonicClock.nanoseconds())
        else { return }
        let head = headInFlight
        headInFlight = false
        queue(response.serialized(keepAlive: keepAlive, version: version, headRequest: head))
        if let file = response.file, response.sendsBody(headRequest: head), file.length > 0 {
            // Counted whole now, so the machine sees the answer unsent (and times out a
            // client that stops reading) until its last byte is written.
            pendingFile = (file, 0)
            machine.queued(Int(file.length))
        }
        flush()
        perform(machine.responseWritten())
        applyInterest()
    }

    private func queue(_ bytes: [UInt8]) {
        output.append(contentsOf: bytes)
        machine.queued(bytes.count)
    }

    private func flush() {
        while outputSent < output.count || refillFromFile() {
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
                machine.wrote(count, now: MonotonicClock.nanoseconds())
            case .wantWrite, .wantRead:
                machine.writeWouldBlock()
                return
            case .closed, .failed:
                perform(machine.transportClosed())
                return
            }
        }
        // Drop the buffer's memory too: thousands of idle connections should cost little.
        output = []
        outputSent = 0
        let fileFinished = finishedFile
        finishedFile = false
        perform(machine.outputDrained(now: MonotonicClock.nanoseconds()))
        // Requests that arrived pipelined behind a file's answer waited for its last byte.
        if fileFinished { perform(machine.responseWritten()) }
    }

    private var finishedFile = false

    /// Puts the file body's next chunk in `output`, once the previous one is written;
    /// false when there is no file body left. A file cut short since it was opened ends
    /// the connection: its Content-Length was promised.
    private func refillFromFile() -> Bool {
        guard let (file, position) = pendingFile else { return false }
        let remaining = file.length - position
        guard remaining > 0 else {
            pendingFile = nil
            finishedFile = true
            return false
        }
        let wanted = Int(min(Int64(Self.fileChunkBytes), remaining))
        if output.count != wanted { output = [UInt8](repeating: 0, count: wanted) }
        let count = output.withUnsafeMutableBytes { file.read(into: $0, at: position) }
        guard count > 0 else {
            logger.warning("http.file_body_short", metadata: ["peer": "\(peerText)", "expected": "\(file.length)",
                                                              "read": "\(position)"])
            pendingFile = nil
            perform(machine.transportClosed())
            return false
        }
        if count < output.count { output.removeLast(output.count - count) }
        outputSent = 0
        pendingFile = (file, position + Int64(count))
        return true
    }

    // MARK: Closing

    private func drainWhileLingering() {
        let buffer = loop.readBuffer
        while machine.state == .lingering {
            do {
                guard let count = try SystemSocket.read(fd, into: buffer) else { return }
                if count == 0 { return perform(machine.transportClosed()) }
            } catch {
                return perform(machine.transportClosed())
            }
        }
    }

    /// The machine has said close, once: the socket goes, and the loop forgets us.
    private func closeSocket() {
        tls = nil
        clientHello = nil
        pendingFile = nil
        loop.forget(self)
        SystemSocket.close(fd)
    }
}
