import HTTP
@testable import Server
import Testing
import Transport

/// The connection's state machine driven by hand, with the clock as plain numbers: every
/// timeout is crossed by passing a later `now`, never by sleeping.
@Suite("A connection's state machine: events in, actions out, time passed in")
struct ConnectionStateMachineTests {
    typealias Machine = ConnectionStateMachine

    static let second: UInt64 = 1_000_000_000
    /// Four different limits, so that a test shows which one applied.
    static let timeouts = Machine.Timeouts(handshake: 5 * second, header: 10 * second, body: 20 * second, idle: 60 * second)
    var second: UInt64 { Self.second }
    var timeouts: Machine.Timeouts { Self.timeouts }

    /// A plain-HTTP connection, open and reading since `now`.
    func plain(at now: UInt64 = 0, overCapacity: Bool = false) -> Machine {
        var machine = Machine(now: now, tls: false, overCapacity: overCapacity)
        #expect(machine.start() == .read)
        #expect(machine.state == .open)
        return machine
    }

    // MARK: Starting

    @Test("a plain listener reads at once; a TLS listener looks at the first byte, and starts only once")
    func starting() {
        var plain = Machine(now: 0, tls: false, overCapacity: false)
        #expect(plain.start() == .read)
        #expect(plain.start() == .none)
        var tls = Machine(now: 0, tls: true, overCapacity: false)
        #expect(tls.start() == .peekFirstByte)
        #expect(tls.state == .fresh)
        // Nothing to peek yet: the first epoll event looks again.
        #expect(tls.socketReady(readable: true, writable: false, hangup: false, bufferedInput: false) == .peekFirstByte)
    }

    @Test("the first byte decides: a TLS record handshakes, plain HTTP gets a 400 and a lingering close, anything else a close")
    func firstByte() {
        var record = Machine(now: 0, tls: true, overCapacity: false)
        _ = record.start()
        #expect(record.peeked(0x16) == .startHandshake)
        #expect(record.state == .handshaking)

        var plainHTTP = Machine(now: 0, tls: true, overCapacity: false)
        _ = plainHTTP.start()
        #expect(plainHTTP.peeked(UInt8(ascii: "G")) == .refusePlainHTTP)
        #expect(!plainHTTP.canTakeInput)
        plainHTTP.queued(120)
        plainHTTP.wrote(120, now: 1)
        #expect(plainHTTP.outputDrained(now: 1) == .shutdownAndLinger)
        #expect(plainHTTP.state == .lingering)

        var garbage = Machine(now: 0, tls: true, overCapacity: false)
        _ = garbage.start()
        #expect(garbage.peeked(0x00) == .closeNotTLS)
        #expect(garbage.state == .closed)
    }

    @Test("the handshake's wishes become the epoll interest; once done it reads, and the interest is readable again")
    func handshake() {
        var machine = Machine(now: 0, tls: true, overCapacity: false)
        _ = machine.start()
        _ = machine.peeked(0x16)
        #expect(machine.interestUpdate() == nil)  // registered readable, still readable
        machine.handshakeWants(.writable)
        #expect(machine.interestUpdate() == .writable)
        #expect(machine.interestUpdate() == nil)  // told once
        #expect(machine.socketReady(readable: false, writable: true, hangup: false, bufferedInput: false) == .continueHandshake)
        machine.handshakeWants(.readable)
        #expect(machine.interestUpdate() == .readable)
        #expect(machine.handshakeDone(now: 1) == .read)
        #expect(machine.state == .open)
        #expect(machine.readTurnBegins() == .readRound)
        #expect(machine.interestUpdate() == nil)
    }

    // MARK: Timeouts

    @Test("the handshake timeout runs from accept: a first byte or a handshake that trickles past it is closed")
    func handshakeTimeout() {
        var handshaking = Machine(now: 5 * second, tls: true, overCapacity: false)
        _ = handshaking.start()
        // The ClientHello's first byte at 9 s, more of it later: the clock stays at accept.
        #expect(handshaking.tick(now: 9 * second, timeouts: timeouts) == .none)
        _ = handshaking.peeked(0x16)
        handshaking.handshakeWants(.readable)
        #expect(handshaking.socketReady(readable: true, writable: false, hangup: false, bufferedInput: false) == .continueHandshake)
        #expect(handshaking.tick(now: 10 * second, timeouts: timeouts) == .none)
        #expect(handshaking.tick(now: 10 * second + 1, timeouts: timeouts) == .handshakeTimedOut)
        #expect(handshaking.state == .closed)

        var silent = Machine(now: 0, tls: true, overCapacity: false)
        _ = silent.start()
        #expect(silent.tick(now: 5 * second, timeouts: timeouts) == .none)
        #expect(silent.tick(now: 5 * second + 1, timeouts: timeouts) == .handshakeTimedOut)

        // Through the handshake in time: the handshake's limit no longer applies.
        var done = Machine(now: 0, tls: true, overCapacity: false)
        _ = done.start()
        _ = done.peeked(0x16)
        #expect(done.handshakeDone(now: 4 * second) == .read)
        #expect(done.tick(now: 9 * second + 1, timeouts: timeouts) == .none)
    }

    @Test("the handshake timeout comes from the configuration, and a SIGHUP's new value applies at the next check")
    func handshakeTimeoutFromConfiguration() {
        var machine = Machine(now: 0, tls: true, overCapacity: false)
        _ = machine.start()
        _ = machine.peeked(0x16)
        let shorter = Machine.Timeouts(ServerConfiguration(handshakeTimeout: 2))
        #expect(machine.tick(now: 2 * second, timeouts: shorter) == .none)
        #expect(machine.tick(now: 2 * second + 1, timeouts: shorter) == .handshakeTimedOut)
    }

    @Test("no first request within the header timeout, counted from the handshake's end: 408, then a lingering close")
    func noRequestTimeout() {
        var machine = Machine(now: 0, tls: true, overCapacity: false)
        _ = machine.start()
        _ = machine.peeked(0x16)
        _ = machine.handshakeDone(now: 4 * second)
        #expect(machine.tick(now: 14 * second, timeouts: timeouts) == .none)
        #expect(machine.tick(now: 14 * second + 1, timeouts: timeouts) == .timeOut(.noRequest))
        #expect(!machine.canTakeInput)
        machine.queued(200)
        machine.wrote(200, now: 15 * second)
        #expect(machine.outputDrained(now: 15 * second) == .shutdownAndLinger)
        // Lingers 2 s, then closes.
        #expect(machine.interestUpdate() == nil)  // readable, as it was
        #expect(machine.socketReady(readable: true, writable: false, hangup: false, bufferedInput: false) == .drainLinger)
        #expect(machine.tick(now: 17 * second - 1, timeouts: timeouts) == .none)
        #expect(machine.tick(now: 17 * second, timeouts: timeouts) == .close)
        #expect(machine.state == .closed)
    }

    @Test("the first head's clock runs from the handshake's end: its first byte does not restart it, nor do later ones")
    func headTimeout() {
        var machine = Machine(now: 0, tls: true, overCapacity: false)
        _ = machine.start()
        _ = machine.peeked(0x16)
        _ = machine.handshakeDone(now: 1 * second)
        #expect(machine.readTurnBegins() == .readRound)
        // The head's first byte at 9 s, of the 10 s the header timeout gives.
        machine.bytesRead(now: 9 * second)
        #expect(machine.parsingBegins() == true)
        machine.parsingEnds(phase: .head, now: 9 * second)
        // More head bytes later: the clock is not read, and not restarted.
        var clockReads = 0
        func clock() -> UInt64 { clockReads += 1; return 10 * second }
        machine.bytesRead(now: 10 * second)
        #expect(machine.parsingBegins() == true)
        machine.parsingEnds(phase: .head, now: clock())
        #expect(clockReads == 0)
        #expect(machine.tick(now: 11 * second, timeouts: timeouts) == .none)
        #expect(machine.tick(now: 11 * second + 1, timeouts: timeouts) == .timeOut(.head))
        #expect(!machine.takesNextRequest)
    }

    @Test("on a plain listener the first head's clock runs from accept")
    func headTimeoutPlain() {
        var machine = plain(at: 2 * second)
        _ = machine.readTurnBegins()
        #expect(machine.parsingBegins() == true)
        machine.parsingEnds(phase: .head, now: 8 * second)
        #expect(machine.tick(now: 12 * second, timeouts: timeouts) == .none)
        #expect(machine.tick(now: 12 * second + 1, timeouts: timeouts) == .timeOut(.head))
    }

    @Test("a head pipelined behind a request counts from the answer to that request")
    func pipelinedHeadTimeout() {
        var machine = plain()
        _ = machine.readTurnBegins()
        #expect(machine.parsingBegins() == true)
        #expect(machine.requestReady(keepAlive: true, version: .http1_1) == .dispatch(sequence: 1))
        // The next head's first bytes came with the first request.
        machine.parsingEnds(phase: .head, now: 1 * second)
        #expect(machine.tick(now: 30 * second, timeouts: timeouts) == .none)  // with its handler
        #expect(machine.responseReady(sequence: 1, now: 30 * second) == .send(keepAlive: true, version: .http1_1))
        machine.queued(100)
        machine.wrote(100, now: 30 * second)
        _ = machine.outputDrained(now: 30 * second)
        #expect(machine.tick(now: 40 * second, timeouts: timeouts) == .none)
        #expect(machine.tick(now: 40 * second + 1, timeouts: timeouts) == .timeOut(.head))
    }

    @Test("on a kept-alive connection the wait is the idle timeout's, and the next head has the header timeout from its first byte")
    func keptAliveHeadTimeout() {
        var machine = plain()
        _ = machine.readTurnBegins()
        #expect(machine.parsingBegins() == true)
        #expect(machine.requestReady(keepAlive: true, version: .http1_1) == .dispatch(sequence: 1))
        machine.parsingEnds(phase: .idle, now: 0)
        _ = machine.responseReady(sequence: 1, now: 1 * second)
        machine.queued(100)
        machine.wrote(100, now: 1 * second)
        _ = machine.outputDrained(now: 1 * second)
        _ = machine.readTurnBegins()
        #expect(machine.parsingBegins() == true)
        machine.parsingEnds(phase: .head, now: 50 * second)
        #expect(machine.tick(now: 60 * second, timeouts: timeouts) == .none)
        #expect(machine.tick(now: 60 * second + 1, timeouts: timeouts) == .timeOut(.head))
    }

    @Test("a body that takes longer than the body timeout, counted from the head's end, is cut with 408")
    func bodyTimeout() {
        var machine = plain()
        _ = machine.readTurnBegins()
        #expect(machine.parsingBegins() == true)
        machine.parsingEnds(phase: .head, now: 1 * second)
        #expect(machine.parsingBegins() == true)
        machine.parsingEnds(phase: .body, now: 2 * second)
        // Past the header timeout from either moment: the body's limit is what counts.
        #expect(machine.tick(now: 22 * second, timeouts: timeouts) == .none)
        #expect(machine.tick(now: 22 * second + 1, timeouts: timeouts) == .timeOut(.body))
    }

    @Test("between requests the idle timeout applies, from the last answer, and ends in a quiet close, not a 408")
    func idleTimeout() {
        var machine = plain()
        _ = machine.readTurnBegins()
        #expect(machine.parsingBegins() == true)
        #expect(machine.requestReady(keepAlive: true, version: .http1_1) == .dispatch(sequence: 1))
        machine.parsingEnds(phase: .idle, now: 1 * second)
        // With its handler: no timeout, however long.
        #expect(machine.tick(now: 1_000 * second, timeouts: timeouts) == .none)
        #expect(machine.responseReady(sequence: 1, now: 1_000 * second) == .send(keepAlive: true, version: .http1_1))
        machine.queued(100)
        machine.wrote(100, now: 1_000 * second)
        #expect(machine.outputDrained(now: 1_000 * second) == .none)
        #expect(machine.tick(now: 1_010 * second + 1, timeouts: timeouts) == .none)  // not the header timeout
        #expect(machine.tick(now: 1_060 * second, timeouts: timeouts) == .none)
        #expect(machine.tick(now: 1_060 * second + 1, timeouts: timeouts) == .closeIdle)
        #expect(machine.state == .closed)
    }

    @Test("an answer the client does not read is dropped after the idle timeout since the last byte written")
    func unreadAnswer() {
        var machine = plain()
        _ = machine.readTurnBegins()
        _ = machine.parsingBegins()
        _ = machine.requestReady(keepAlive: true, version: .http1_1)
        machine.parsingEnds(phase: .idle, now: 0)
        _ = machine.responseReady(sequence: 1, now: 1 * second)
        machine.queued(1_000)
        machine.wrote(400, now: 5 * second)
        machine.writeWouldBlock()
        #expect(machine.interestUpdate() == [.readable, .writable])
        #expect(machine.tick(now: 65 * second, timeouts: timeouts) == .none)
        #expect(machine.tick(now: 65 * second + 1, timeouts: timeouts) == .close)
    }

    @Test("the stop: an idle connection closes now, a busy one answers with close, and the grace closes the rest")
    func stopAndItsGrace() {
        var idle = plain()
        _ = idle.readTurnBegins()
        #expect(idle.stopRequested(deadline: 40 * second, parserPhase: .idle) == .closeIdle)

        var partialHead = plain()
        #expect(partialHead.stopRequested(deadline: 40 * second, parserPhase: .head) == .none)

        var busy = plain()
        _ = busy.readTurnBegins()
        _ = busy.parsingBegins()
        #expect(busy.requestReady(keepAlive: true, version: .http1_1) == .dispatch(sequence: 1))
        busy.parsingEnds(phase: .idle, now: 0)
        #expect(busy.stopRequested(deadline: 40 * second, parserPhase: .idle) == .none)
        #expect(busy.tick(now: 40 * second - 1, timeouts: timeouts) == .none)
        var answered = busy
        // Answered within the grace: with Connection: close, then a lingering close.
        #expect(answered.responseReady(sequence: 1, now: 2 * second) == .send(keepAlive: false, version: .http1_1))
        #expect(answered.responseWritten() == .none)
        answered.queued(50)
        answered.wrote(50, now: 2 * second)
        #expect(answered.outputDrained(now: 2 * second) == .shutdownAndLinger)
        // Not answered within the grace: closed at its end.
        #expect(busy.tick(now: 40 * second, timeouts: timeouts) == .close)
        #expect(busy.state == .closed)
    }

    @Test("a connection still handshaking at the stop is left to serve; once stopping, its idle timeout is a quiet close")
    func stopDuringHandshake() {
        var machine = Machine(now: 0, tls: true, overCapacity: false)
        _ = machine.start()
        #expect(machine.stopRequested(deadline: 100 * second, parserPhase: .idle) == .none)
        _ = machine.peeked(0x16)
        _ = machine.handshakeDone(now: 1 * second)
        #expect(machine.tick(now: 11 * second + 1, timeouts: timeouts) == .closeIdle)
    }

    @Test("Timeouts come from the configuration's seconds as nanoseconds")
    func timeoutsFromConfiguration() {
        let converted = Machine.Timeouts(ServerConfiguration(handshakeTimeout: 0.5, headerTimeout: 1.5, bodyTimeout: 2,
                                                             idleTimeout: 0.25))
        #expect(converted == Machine.Timeouts(handshake: 500_000_000, header: 1_500_000_000, body: 2_000_000_000,
                                              idle: 250_000_000))
    }

    @Test("only a connection still before or in its TLS handshake can be displaced, and it closes at once")
    func displacement() {
        var fresh = Machine(now: 0, tls: true, overCapacity: false)
        _ = fresh.start()
        #expect(fresh.awaitsHandshake)
        #expect(fresh.displaced() == .displaced)
        #expect(fresh.state == .closed)
        #expect(!fresh.awaitsHandshake)

        var handshaking = Machine(now: 0, tls: true, overCapacity: false)
        _ = handshaking.start()
        _ = handshaking.peeked(0x16)
        #expect(handshaking.awaitsHandshake)
        #expect(handshaking.displaced() == .displaced)

        var through = Machine(now: 0, tls: true, overCapacity: false)
        _ = through.start()
        _ = through.peeked(0x16)
        _ = through.handshakeDone(now: 1)
        #expect(!through.awaitsHandshake)
        #expect(through.displaced() == .none)
        #expect(through.state == .open)

        var plainHTTP = Machine(now: 0, tls: true, overCapacity: false)
        _ = plainHTTP.start()
        _ = plainHTTP.peeked(UInt8(ascii: "P"))
        #expect(plainHTTP.displaced() == .none)

        var plainListener = plain()
        #expect(!plainListener.awaitsHandshake)
        #expect(plainListener.displaced() == .none)
    }

    // MARK: Requests

    @Test("pipelined requests go to the router one at a time and in order; a wrong or second answer is dropped")
    func pipelining() {
        var machine = plain()
        #expect(machine.readTurnBegins() == .readRound)
        machine.bytesRead(now: 1)
        #expect(machine.parsingBegins() == true)
        #expect(machine.takesNextRequest)
        #expect(machine.requestReady(keepAlive: true, version: .http1_1) == .dispatch(sequence: 1))
        // The second request waits in the parser, and reading stops.
        #expect(!machine.takesNextRequest)
        machine.parsingEnds(phase: .head, now: 1)
        #expect(!machine.canTakeInput)
        #expect(machine.readRoundEnded(bufferedInput: true) == .none)

        #expect(machine.responseReady(sequence: 2, now: 2) == .drop)
        #expect(machine.responseReady(sequence: 1, now: 2) == .send(keepAlive: true, version: .http1_1))
        #expect(machine.responseReady(sequence: 1, now: 2) == .drop)
        machine.queued(10)
        machine.wrote(10, now: 2)
        #expect(machine.outputDrained(now: 2) == .none)
        #expect(machine.responseWritten() == .resumeInput)
        #expect(machine.parsingBegins() == true)
        #expect(machine.requestReady(keepAlive: true, version: .http1_1) == .dispatch(sequence: 2))
        machine.parsingEnds(phase: .idle, now: 2)
        #expect(machine.responseReady(sequence: 1, now: 3) == .drop)
        #expect(machine.responseReady(sequence: 2, now: 3) == .send(keepAlive: true, version: .http1_1))
        #expect(machine.requestsServed == 2)
    }

    @Test("an answer given inside the handler's call leaves the next request to the parse loop already running")
    func answerFromInsideTheHandler() {
        var machine = plain()
        _ = machine.readTurnBegins()
        #expect(machine.parsingBegins() == true)
        #expect(machine.requestReady(keepAlive: true, version: .http1_1) == .dispatch(sequence: 1))
        #expect(machine.responseReady(sequence: 1, now: 1) == .send(keepAlive: true, version: .http1_1))
        machine.queued(10)
        machine.wrote(10, now: 1)
        #expect(machine.outputDrained(now: 1) == .none)
        #expect(machine.responseWritten() == .none)
        #expect(machine.parsingBegins() == false)  // already parsing: no second loop
        #expect(machine.takesNextRequest)
        #expect(machine.requestReady(keepAlive: true, version: .http1_1) == .dispatch(sequence: 2))
    }

    @Test("Expect: 100-continue gets 100 on HTTP/1.1 only, and the connection stays open for the body")
    func expectContinue() {
        var machine = plain()
        _ = machine.readTurnBegins()
        _ = machine.parsingBegins()
        #expect(machine.continueExpected(version: .http1_0) == .none)
        #expect(machine.continueExpected(version: .http1_1) == .sendContinue)
        machine.queued(25)
        machine.wrote(25, now: 1)
        #expect(machine.outputDrained(now: 1) == .none)
        #expect(machine.takesNextRequest)
        machine.parsingEnds(phase: .body, now: 1)
        #expect(machine.readRoundEnded(bufferedInput: false) == .readRound)
        _ = machine.parsingBegins()
        #expect(machine.requestReady(keepAlive: true, version: .http1_1) == .dispatch(sequence: 1))
    }

    @Test("Connection: close and HTTP/1.0 close after the answer; HTTP/1.0 with keep-alive stays open")
    func closeAfterResponse() {
        var closing = plain()
        _ = closing.readTurnBegins()
        _ = closing.parsingBegins()
        #expect(closing.requestReady(keepAlive: false, version: .http1_0) == .dispatch(sequence: 1))
        closing.parsingEnds(phase: .idle, now: 0)
        #expect(closing.responseReady(sequence: 1, now: 1) == .send(keepAlive: false, version: .http1_0))
        #expect(!closing.takesNextRequest)
        #expect(!closing.canTakeInput)
        #expect(closing.responseWritten() == .none)
        closing.queued(100)
        closing.wrote(60, now: 1)
        closing.writeWouldBlock()
        #expect(closing.interestUpdate() == [.readable, .writable])
        #expect(closing.socketReady(readable: false, writable: true, hangup: false, bufferedInput: false)
            == .continueWriting(readable: false))
        closing.wrote(40, now: 2 * second)
        #expect(closing.outputDrained(now: 2 * second) == .shutdownAndLinger)
        #expect(closing.state == .lingering)
        #expect(closing.interestUpdate() == .readable)
        #expect(closing.tick(now: 4 * second - 1, timeouts: timeouts) == .none)
        #expect(closing.tick(now: 4 * second, timeouts: timeouts) == .close)

        var keeping = plain()
        _ = keeping.readTurnBegins()
        _ = keeping.parsingBegins()
        _ = keeping.requestReady(keepAlive: true, version: .http1_0)
        #expect(keeping.responseReady(sequence: 1, now: 1) == .send(keepAlive: true, version: .http1_0))
        keeping.queued(100)
        keeping.wrote(100, now: 1)
        #expect(keeping.outputDrained(now: 1) == .none)
        #expect(keeping.state == .open)
    }

    @Test("a request the parser refuses is answered and the connection closes after it, reading nothing more")
    func malformedRequest() {
        var machine = plain()
        _ = machine.readTurnBegins()
        _ = machine.parsingBegins()
        machine.requestMalformed()
        #expect(!machine.takesNextRequest)
        #expect(!machine.canTakeInput)
        machine.queued(90)
        machine.wrote(90, now: 1)
        #expect(machine.outputDrained(now: 1) == .shutdownAndLinger)
    }

    @Test("over the connection cap every request gets 503 and the connection closes after it")
    func overCapacity() {
        var machine = plain(overCapacity: true)
        _ = machine.readTurnBegins()
        _ = machine.parsingBegins()
        #expect(machine.requestReady(keepAlive: true, version: .http1_1) == .refuseOverCapacity(sequence: 1))
        #expect(machine.responseReady(sequence: 1, now: 1) == .send(keepAlive: false, version: .http1_1))
        machine.queued(150)
        machine.wrote(150, now: 1)
        #expect(machine.outputDrained(now: 1) == .shutdownAndLinger)
    }

    // MARK: Reading and interest

    @Test("a read turn has 8 rounds; out of rounds with records read ahead into OpenSSL, it comes back soon")
    func readRounds() {
        var machine = plain()
        var bufferedChecks = 0
        func buffered() -> Bool { bufferedChecks += 1; return true }
        #expect(machine.readTurnBegins() == .readRound)
        for _ in 1..<Machine.readRoundsPerTurn {
            #expect(machine.readRoundEnded(bufferedInput: buffered()) == .readRound)
        }
        #expect(bufferedChecks == 0)  // asked only once the rounds are used up
        #expect(machine.readRoundEnded(bufferedInput: buffered()) == .resumeReadingSoon)
        #expect(bufferedChecks == 1)

        #expect(machine.readTurnBegins() == .readRound)
        for _ in 1..<Machine.readRoundsPerTurn { _ = machine.readRoundEnded(bufferedInput: false) }
        #expect(machine.readRoundEnded(bufferedInput: false) == .none)
    }

    @Test("read interest stays on while a request is in flight, turns off when input arrives meanwhile, and on once answered")
    func readInterestWhileBusy() {
        var machine = plain()
        _ = machine.readTurnBegins()
        _ = machine.parsingBegins()
        _ = machine.requestReady(keepAlive: true, version: .http1_1)
        machine.parsingEnds(phase: .idle, now: 0)
        #expect(machine.interestUpdate() == nil)  // still readable: no epoll_ctl per request
        #expect(machine.socketReady(readable: true, writable: false, hangup: false, bufferedInput: false) == .none)
        #expect(machine.interestUpdate() == [])
        #expect(machine.interestUpdate() == nil)
        _ = machine.responseReady(sequence: 1, now: 1)
        machine.queued(10)
        machine.wrote(10, now: 1)
        _ = machine.outputDrained(now: 1)
        #expect(machine.interestUpdate() == nil)  // input still waits until a read turn
        #expect(machine.responseWritten() == .resumeInput)
        #expect(machine.readTurnBegins() == .readRound)
        #expect(machine.interestUpdate() == .readable)
    }

    @Test("input noticed while busy, or waiting in OpenSSL, is read when an epoll event comes without it")
    func inputWithoutReadable() {
        var machine = plain()
        #expect(machine.socketReady(readable: false, writable: true, hangup: false, bufferedInput: true) == .read)
        #expect(machine.socketReady(readable: false, writable: true, hangup: false, bufferedInput: false) == .none)
        // A backlog of output stops reading; input that arrives meanwhile is read once it clears.
        machine.queued(Machine.maxBacklog)
        machine.writeWouldBlock()
        #expect(!machine.canTakeInput)
        #expect(machine.socketReady(readable: true, writable: false, hangup: false, bufferedInput: false) == .none)
        #expect(machine.interestUpdate() == .writable)
        #expect(machine.socketReady(readable: false, writable: true, hangup: false, bufferedInput: false)
            == .continueWriting(readable: false))
        machine.wrote(Machine.maxBacklog, now: 1)
        _ = machine.outputDrained(now: 1)
        #expect(machine.inputMayBeWaiting(readable: false, bufferedInput: false) == .read)
    }

    @Test("a hang-up while an answer is being prepared closes; on an idle connection it is read, to see the end")
    func hangup() {
        var busy = plain()
        _ = busy.readTurnBegins()
        _ = busy.parsingBegins()
        _ = busy.requestReady(keepAlive: true, version: .http1_1)
        #expect(busy.socketReady(readable: false, writable: false, hangup: true, bufferedInput: false) == .close)

        var idle = plain()
        #expect(idle.socketReady(readable: false, writable: false, hangup: true, bufferedInput: false) == .read)
        #expect(idle.transportClosed() == .close)
    }

    @Test("close is said once: after it, every event is ignored")
    func closeOnce() {
        var machine = plain()
        #expect(machine.transportClosed() == .close)
        #expect(machine.transportClosed() == .none)
        #expect(machine.tick(now: 1_000 * second, timeouts: timeouts) == .none)
        #expect(machine.socketReady(readable: true, writable: true, hangup: true, bufferedInput: true) == .none)
        #expect(machine.stopRequested(deadline: 0, parserPhase: .idle) == .none)
        #expect(machine.readTurnBegins() == .none)
        #expect(machine.responseReady(sequence: 1, now: 1) == .drop)
        #expect(machine.outputDrained(now: 1) == .none)
        #expect(machine.interestUpdate() == nil)
    }
}
