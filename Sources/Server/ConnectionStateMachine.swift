import HTTP
import Transport

/// The life of one connection, without its I/O: told what happened (the first byte, the
/// handshake's progress, bytes read, a request parsed, an answer ready, bytes written, a
/// write that would block, output drained, the peer gone, the clock, the server
/// stopping), it changes its state and says what to do next.
///
/// It holds every flag and deadline of a connection, does no I/O and reads no clock: time
/// comes in as `now`, monotonic nanoseconds (an autoclosure where the clock is needed only
/// sometimes, so the connection reads it no more often than it must). ``Connection`` owns
/// the socket, the TLS session, the parser and the output buffer, and carries the actions
/// out. The epoll interest is not an action: after each entry from its loop the
/// connection asks ``interestUpdate()``, which answers only when the interest changed.
///
/// A plain value with no allocation: every event is a few comparisons and assignments.
struct ConnectionStateMachine {
    enum State: Equatable { case fresh, handshaking, open, lingering, closed }

    /// The limits in force at a timeout check, in nanoseconds (``ServerConfiguration``
    /// gives them in seconds; a SIGHUP can change them between two checks).
    struct Timeouts: Equatable {
        var handshake: UInt64
        var header: UInt64
        var body: UInt64
        var idle: UInt64

        init(handshake: UInt64, header: UInt64, body: UInt64, idle: UInt64) {
            self.handshake = handshake
            self.header = header
            self.body = body
            self.idle = idle
        }

        init(_ configuration: ServerConfiguration) {
            self.init(handshake: UInt64(configuration.handshakeTimeout * 1e9),
                      header: UInt64(configuration.headerTimeout * 1e9), body: UInt64(configuration.bodyTimeout * 1e9),
                      idle: UInt64(configuration.idleTimeout * 1e9))
        }
    }

    /// Why a request was cut with 408.
    enum Timeout: Equatable {
        /// Connected (and through the handshake) but no byte of a first request in time.
        case noRequest
        case head
        case body

        var reason: String {
            switch self {
            case .noRequest: "no request arrived in time"
            case .head: "the request head took too long"
            case .body: "the request body took too long"
            }
        }
    }

    enum Action: Equatable {
        case none
        /// Look at the first byte without taking it, then tell ``peeked(_:)`` (or
        /// ``transportClosed()`` when the socket is at its end).
        case peekFirstByte
        /// Create the TLS session and take the handshake as far as it goes.
        case startHandshake
        case continueHandshake
        /// Bytes that are neither TLS nor HTTP: log, and close.
        case closeNotTLS
        /// Plain HTTP on the TLS port: queue a readable 400 and write it; the connection
        /// closes once it is out.
        case refusePlainHTTP
        /// A read turn: ``readTurnBegins()``, then a read per `.readRound`.
        case read
        /// One more read in this turn.
        case readRound
        /// The turn used its rounds, and records read ahead wait in OpenSSL, where no epoll
        /// event will report them: read again after the loop's other work.
        case resumeReadingSoon
        /// Write what is queued; then ask ``inputMayBeWaiting(readable:bufferedInput:)``,
        /// with `readable` as given.
        case continueWriting(readable: Bool)
        /// Queue `100 Continue` and write it.
        case sendContinue
        /// Queue a 408 for this reason and write it; the connection closes once it is out.
        case timeOut(Timeout)
        /// The answer is out (or queued): take the next pipelined request from the
        /// parser, then a read turn.
        case resumeInput
        /// The last answer is out: close_notify, shut down the write side, and read and
        /// discard what the client still sends (``drainLinger``) until it closes or the
        /// lingering time ends.
        case shutdownAndLinger
        case drainLinger
        /// No answer owed: close_notify, then close.
        case closeIdle
        /// Closed unfinished to make room for a new connection at the cap: log, and close.
        case displaced
        /// Accepted longer ago than the handshake timeout and not through the handshake
        /// (or, on a TLS listener, not even a first byte): log, and close.
        case handshakeTimedOut
        case close
    }

    /// What to do with a complete request.
    enum RequestDecision: Equatable {
        /// Hand it to the router; its answer comes back with this sequence number.
        case dispatch(sequence: UInt64)
        /// Over the connection cap: answer 503 with Retry-After, with this sequence number,
        /// and close after it.
        case refuseOverCapacity(sequence: UInt64)
    }

    /// What to do with an answer.
    enum ResponseDecision: Equatable {
        /// Serialize it so, queue it, and write it; then ``responseWritten()``.
        case send(keepAlive: Bool, version: HTTPVersion)
        /// Late (the connection closed meanwhile) or a second answer to the same request.
        case drop
    }

    /// Reads per turn of the loop, so that one fast sender cannot hold the loop.
    static let readRoundsPerTurn = 8
    /// Output waiting beyond this stops reading, so a client that pipelines and does not
    /// read cannot make us buffer without bound.
    static let maxBacklog = 256 * 1024
    /// How long a closing connection reads and discards, after its last answer.
    static let lingerNanoseconds: UInt64 = 2_000_000_000

    private(set) var state: State = .fresh
    private let tls: Bool
    private let overCapacity: Bool

    /// A request is with its handler (requests are answered one at a time, in order).
    private var inFlight = false
    /// The request in flight's number: an answer carrying another is dropped.
    private var sequence: UInt64 = 0
    private var keepAliveAfterCurrent = true
    private var versionOfCurrent = HTTPVersion.http1_1
    private(set) var requestsServed = 0
    /// The answer being written is the last: close once the output is drained.
    private var closeAfterFlush = false
    /// A write (or a TLS read) waits for the socket to be writable.
    private var blockedOnWrite = false
    /// Bytes queued and not yet written.
    private var unsentBytes = 0
    /// The connection is taking requests out of its parser; an answer given meanwhile (a
    /// quick handler on the loop's thread) leaves the next request to that loop.
    private var parsing = false
    private var readRounds = 0
    /// The parser's phase as last seen, and since when: which timeout applies, from when.
    /// Before the handshake's end it is the moment of accept, which the handshake timeout
    /// counts from.
    private var phase: HTTPRequestParser.Phase = .idle
    private var phaseSince: UInt64
    /// The last byte read or written: a client that does not read its answer.
    private var lastProgress: UInt64
    private var lingerUntil: UInt64 = 0
    private var stopping = false
    private var stopDeadline: UInt64 = .max
    /// Read interest stays on while the connection cannot take input (a request with its
    /// handler, a last answer going out, a backlog of output): clients seldom send
    /// anything then, and turning the interest off and on again would cost two
    /// `epoll_ctl` calls per request. Only when input does arrive meanwhile is it turned
    /// off, until the connection can read again, so level-triggered epoll cannot spin.
    private var inputWaitingWhileBusy = false
    private var handshakeInterest: Epoll.Interest = .readable
    /// What epoll has, as last set: the loop registers a new connection as readable.
    private var registeredInterest: Epoll.Interest = .readable

    /// `tls`: the listener speaks TLS, so the first byte decides. `overCapacity`: the
    /// connection came in over the cap, and every request on it gets 503.
    init(now: UInt64, tls: Bool, overCapacity: Bool) {
        self.tls = tls
        self.overCapacity = overCapacity
        phaseSince = now
        lastProgress = now
    }

    // MARK: Starting

    /// Accepted, or the first epoll event: plain HTTP starts reading; TLS looks at the
    /// first byte. A client's first bytes usually come with the connection, so this runs
    /// at once rather than one trip round the loop later.
    mutating func start() -> Action {
        guard state == .fresh else { return .none }
        guard tls else {
            state = .open
            return .read
        }
        return .peekFirstByte
    }

    /// The first byte on a TLS listener decides: a TLS record starts a handshake; plain
    /// HTTP gets a readable refusal instead of a TLS alert; anything else is dropped.
    mutating func peeked(_ first: UInt8) -> Action {
        guard state == .fresh else { return .none }
        if first == 0x16 {
            state = .handshaking
            return .startHandshake
        }
        if (0x41...0x5A).contains(first) {
            state = .open
            closeAfterFlush = true
            return .refusePlainHTTP
        }
        state = .closed
        return .closeNotTLS
    }

    /// The handshake needs the socket readable or writable to go on.
    mutating func handshakeWants(_ interest: Epoll.Interest) {
        guard state == .handshaking else { return }
        handshakeInterest = interest
    }

    /// The handshake is done: the head's timeout starts now.
    mutating func handshakeDone(now: UInt64) -> Action {
        guard state == .handshaking else { return .none }
        state = .open
        phaseSince = now
        blockedOnWrite = false
        return .read
    }

    /// Not through its TLS handshake yet: a connection the listener may close for a new
    /// one when it is full.
    var awaitsHandshake: Bool {
        tls && (state == .fresh || state == .handshaking)
    }

    /// The listener is full and this is its longest-waiting unfinished handshake: it goes,
    /// so that a flood of slow handshakes cannot hold every slot.
    mutating func displaced() -> Action {
        guard awaitsHandshake else { return .none }
        state = .closed
        return .displaced
    }

    // MARK: Epoll events

    /// An epoll event. On an open connection: both directions closed while an answer is
    /// being prepared close it (nobody is left to read the answer, and level-triggered
    /// epoll would keep reporting the hang-up); writable with output blocked continues
    /// writing; then input is looked for (``inputMayBeWaiting(readable:bufferedInput:)``).
    mutating func socketReady(readable: Bool, writable: Bool, hangup: Bool,
                              bufferedInput: @autoclosure () -> Bool) -> Action {
        switch state {
        case .fresh:
            return start()
        case .handshaking:
            return .continueHandshake
        case .open:
            if hangup, inFlight {
                state = .closed
                return .close
            }
            if writable, blockedOnWrite { return .continueWriting(readable: readable || hangup) }
            return inputMayBeWaiting(readable: readable || hangup, bufferedInput: bufferedInput())
        case .lingering:
            return .drainLinger
        case .closed:
            return .none
        }
    }

    /// Input may wait: epoll said readable (or hung up), or input arrived earlier while
    /// the connection was busy, or decrypted records wait in OpenSSL. Reads if it can take
    /// input; if not, notes that input waits, which turns read interest off.
    mutating func inputMayBeWaiting(readable: Bool, bufferedInput: @autoclosure () -> Bool) -> Action {
        guard state == .open, readable || inputWaitingWhileBusy || bufferedInput() else { return .none }
        guard canTakeInput else {
            inputWaitingWhileBusy = true
            return .none
        }
        return .read
    }

    // MARK: Reading

    /// Reading would not be stopped by a request in flight, a closing connection or a
    /// backlog of output.
    var canTakeInput: Bool {
        state == .open && !inFlight && !closeAfterFlush && unsentBytes < Self.maxBacklog
    }

    /// A read turn starts: `.readRound` if the connection can take input.
    mutating func readTurnBegins() -> Action {
        guard canTakeInput else { return .none }
        inputWaitingWhileBusy = false
        readRounds = 1
        return .readRound
    }

    /// A read brought bytes (now in the parser).
    mutating func bytesRead(now: UInt64) {
        lastProgress = now
    }

    /// A read round's bytes went through the parser: another round, or the turn ends.
    /// Out of rounds but not of input, with records read ahead into OpenSSL
    /// (`bufferedInput`), which wake no epoll: `.resumeReadingSoon`.
    mutating func readRoundEnded(bufferedInput: @autoclosure () -> Bool) -> Action {
        guard canTakeInput else { return .none }
        if readRounds < Self.readRoundsPerTurn {
            readRounds += 1
            return .readRound
        }
        return bufferedInput() ? .resumeReadingSoon : .none
    }

    /// A TLS read needs the socket writable (a key update, a renegotiation).
    mutating func readNeedsWrite() {
        blockedOnWrite = true
    }

    // MARK: Requests

    /// Requests are about to be taken out of the parser; false when they are already
    /// being taken (an answer given from inside a handler), which leaves them to that.
    mutating func parsingBegins() -> Bool {
        if parsing { return false }
        parsing = true
        return true
    }

    /// Another request may be taken from the parser: none while one is with its handler
    /// or the connection is closing.
    var takesNextRequest: Bool {
        state == .open && !inFlight && !closeAfterFlush
    }

    /// A head asked for `Expect: 100-continue` and its body is not all here.
    func continueExpected(version: HTTPVersion) -> Action {
        state == .open && version == .http1_1 ? .sendContinue : .none
    }

    /// A complete request came out of the parser.
    mutating func requestReady(keepAlive: Bool, version: HTTPVersion) -> RequestDecision {
        inFlight = true
        sequence += 1
        keepAliveAfterCurrent = keepAlive
        versionOfCurrent = version
        if overCapacity {
            keepAliveAfterCurrent = false
            return .refuseOverCapacity(sequence: sequence)
        }
        return .dispatch(sequence: sequence)
    }

    /// The parser refused the bytes: the connection answers the error (400, 413, 414,
    /// 431...) and closes once it is out, as RFC 9112 asks when the framing can no longer
    /// be trusted.
    mutating func requestMalformed() {
        closeAfterFlush = true
    }

    /// Done taking requests out of the parser, which is now in `phase`: a new phase
    /// starts its timeout (`now` is read only then), except the first head, whose clock
    /// has run since the handshake's end.
    mutating func parsingEnds(phase current: HTTPRequestParser.Phase, now: @autoclosure () -> UInt64) {
        parsing = false
        guard current != phase else { return }
        // The first head's time is counted from the end of the handshake, the same clock
        // as the wait for it: restarting it at the head's first byte would let a client
        // that trickles its head take twice the header timeout. On a kept-alive connection
        // the wait for the next request is the idle timeout's, and the head gets the
        // header timeout from its first byte.
        let firstHeadBegins = phase == .idle && current == .head && requestsServed == 0
        phase = current
        if !firstHeadBegins { phaseSince = now() }
    }

    // MARK: Answers and output

    /// A handler's answer. Kept alive unless the request or the server says otherwise.
    mutating func responseReady(sequence answered: UInt64, now: UInt64) -> ResponseDecision {
        guard state == .open, inFlight, answered == sequence else { return .drop }
        inFlight = false
        requestsServed += 1
        let keepAlive = keepAliveAfterCurrent && !stopping
        if !keepAlive { closeAfterFlush = true }
        phaseSince = now
        lastProgress = now
        return .send(keepAlive: keepAlive, version: versionOfCurrent)
    }

    /// The answer went to the socket as far as it would take it. Pipelined requests may
    /// wait in the parser, and decrypted bytes in OpenSSL's buffer that epoll cannot see:
    /// look at both now instead of waiting for the socket.
    func responseWritten() -> Action {
        !parsing && state == .open && !closeAfterFlush ? .resumeInput : .none
    }

    /// Bytes were queued for the socket.
    mutating func queued(_ count: Int) {
        unsentBytes += count
    }

    /// A write took `count` bytes.
    mutating func wrote(_ count: Int, now: UInt64) {
        unsentBytes -= count
        lastProgress = now
    }

    /// The socket took no more: epoll says when it is writable.
    mutating func writeWouldBlock() {
        blockedOnWrite = true
    }

    /// Everything queued is written. After a last answer the connection closes, lingering
    /// (`now` is read only then).
    mutating func outputDrained(now: @autoclosure () -> UInt64) -> Action {
        unsentBytes = 0
        blockedOnWrite = false
        guard state == .open, closeAfterFlush else { return .none }
        state = .lingering
        lingerUntil = now() + Self.lingerNanoseconds
        return .shutdownAndLinger
    }

    // MARK: Closing

    /// The peer closed, or the socket or the TLS session failed. An answer still owed is
    /// dropped with the socket; the handler's work (a ledger commit) is unaffected.
    mutating func transportClosed() -> Action {
        guard state != .closed else { return .none }
        state = .closed
        return .close
    }

    /// The server is stopping, and closes whatever is left at `deadline` (the stop's
    /// grace). An idle connection closes now; a busy one after its answer, which carries
    /// `Connection: close`. A connection not yet through its first request is left to
    /// serve it (bytes may be waiting: a request that raced the stop).
    mutating func stopRequested(deadline: UInt64, parserPhase: HTTPRequestParser.Phase) -> Action {
        stopping = true
        stopDeadline = deadline
        guard state == .open, !inFlight, phase == .idle, unsentBytes == 0, parserPhase == .idle else { return .none }
        state = .closed
        return .closeIdle
    }

    // MARK: Timeouts

    /// The clock: the stop's grace, the handshake's, head's, body's and idle timeouts,
    /// an answer the client does not read, and the end of lingering.
    mutating func tick(now: UInt64, timeouts: Timeouts) -> Action {
        if state == .closed { return .none }
        if stopping, now >= stopDeadline {
            state = .closed
            return .close
        }
        func over(_ limit: UInt64, since start: UInt64) -> Bool { now &- start > limit }
        switch state {
        case .fresh, .handshaking:
            guard over(timeouts.handshake, since: phaseSince) else { return .none }
            state = .closed
            return .handshakeTimedOut
        case .open:
            if unsentBytes > 0 {
                guard over(timeouts.idle, since: lastProgress) else { return .none }
                state = .closed
                return .close
            }
            if inFlight { return .none }
            switch phase {
            case .idle:
                // Before its first request a connection gets the header timeout, so one
                // that handshakes and then says nothing is cut early.
                let limit = requestsServed == 0 ? timeouts.header : timeouts.idle
                guard over(limit, since: phaseSince) else { return .none }
                if stopping || requestsServed > 0 {
                    state = .closed
                    return .closeIdle
                }
                return timeOut(.noRequest)
            case .head:
                return over(timeouts.header, since: phaseSince) ? timeOut(.head) : .none
            case .body:
                return over(timeouts.body, since: phaseSince) ? timeOut(.body) : .none
            }
        case .lingering:
            guard now >= lingerUntil else { return .none }
            state = .closed
            return .close
        case .closed:
            return .none
        }
    }

    private mutating func timeOut(_ timeout: Timeout) -> Action {
        closeAfterFlush = true
        return .timeOut(timeout)
    }

    // MARK: Interest

    /// The epoll interest the connection wants now, when it differs from what is
    /// registered (nil: leave it, or the connection is closed). Asked at the end of each
    /// entry from the loop, so epoll is told at most once per entry, before it next waits.
    mutating func interestUpdate() -> Epoll.Interest? {
        let wanted: Epoll.Interest
        switch state {
        case .fresh, .lingering:
            wanted = .readable
        case .handshaking:
            wanted = handshakeInterest
        case .open:
            var open: Epoll.Interest = []
            if blockedOnWrite { open.insert(.writable) }
            if !inputWaitingWhileBusy { open.insert(.readable) }
            wanted = open
        case .closed:
            return nil
        }
        guard wanted != registeredInterest else { return nil }
        registeredInterest = wanted
        return wanted
    }
}
