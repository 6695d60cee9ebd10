import Foundation
import Logging
import Synchronization
import Transport

/// One thread, one epoll instance, and the connections it accepted. Every connection is
/// touched only by its loop's thread; other threads reach it through `execute`, which
/// queues work and wakes the loop through an eventfd.
final class EventLoop: @unchecked Sendable {
    // Sendable: the only state other threads touch is `pending` (behind a Mutex) and the
    // eventfd; everything else is confined to the loop's thread.

    static let listenerTokenBase: UInt64 = 1 << 62
    static let wakeupToken: UInt64 = 1 << 61

    let server: HTTPServer
    let index: Int
    private let epoll: Epoll
    private let wakeup: EventFD
    private let pending = Mutex<[@Sendable () -> Void]>([])
    /// Set with the first item queued, cleared when the loop takes the queue: checked
    /// between events so that handed-over work does not wait for a whole batch of them.
    private let hasPending = Atomic<Bool>(false)
    private let listeners: [ServerListener]
    let readBuffer: UnsafeMutableRawBufferPointer
    private var connections: [UInt64: Connection] = [:]
    private var nextConnectionID: UInt64 = 1
    /// The connections accepted on a TLS listener, oldest first, that may still be in
    /// their handshake: whom a full listener displaces. Ids leave lazily (a connection
    /// through its handshake, or closed, is skipped when reached), so accepting costs an
    /// append, and the queue is compacted when it outgrows the connections.
    private var handshakeQueue: [UInt64] = []
    private var handshakeQueueStart = 0
    private var lastSweep: UInt64 = 0
    private(set) var stopping = false
    /// When a stopping loop closes what is left (the stop's grace); each connection's
    /// state machine holds it too.
    private(set) var stopDeadline: UInt64 = 0
    private let finished = Mutex<Bool>(false)
    private let heartbeat = Atomic<UInt64>(MonotonicClock.nanoseconds())

    /// When the loop last went round (monotonic nanoseconds), read by the watchdog.
    var lastIteration: UInt64 { heartbeat.load(ordering: .relaxed) }
    private let finishedCondition = NSCondition()

    init(server: HTTPServer, index: Int, listeners: [ServerListener]) throws(SocketError) {
        self.server = server
        self.index = index
        self.listeners = listeners
        epoll = try Epoll()
        wakeup = try EventFD()
        readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
        try epoll.add(wakeup.fd, token: Self.wakeupToken, interest: .readable)
        for (position, listener) in listeners.enumerated() {
            // Every loop waits on every listener; EPOLLEXCLUSIVE wakes one loop per
            // connection instead of all of them.
            try epoll.add(listener.fd, token: Self.listenerTokenBase + UInt64(position), interest: [.readable, .exclusive])
        }
    }

    deinit { readBuffer.deallocate() }

    var logger: Logger { server.logger }
    var configuration: ServerConfiguration { server.configuration }

    /// The loop's thread, set when `run` starts.
    private let thread = Mutex<pthread_t?>(nil)

    /// True on the loop's own thread: an answer given there needs no hop.
    var isCurrentThread: Bool {
        guard let loopThread = thread.withLock({ $0 }) else { return false }
        return pthread_equal(loopThread, pthread_self()) != 0
    }

    /// Runs `work` on the loop's thread, soon.
    func execute(_ work: @escaping @Sendable () -> Void) {
        // One wake-up per batch: when work is already queued, the loop has been woken
        // and has not yet taken the queue (it takes all of it at once), so it will run
        // this too. The ledger writer answers a whole group commit this way.
        let wasEmpty = pending.withLock { queue -> Bool in
            defer { queue.append(work) }
            return queue.isEmpty
        }
        if wasEmpty {
            hasPending.store(true, ordering: .releasing)
            wakeup.signal()
        }
    }

    /// Stop accepting; let requests in flight finish, up to the grace period.
    func beginShutdown() {
        execute { [self] in
            guard !stopping else { return }
            stopping = true
            stopDeadline = MonotonicClock.nanoseconds() + UInt64(configuration.shutdownGrace * 1e9)
            for listener in listeners { epoll.remove(listener.fd) }
            for connection in Array(connections.values) { connection.shutdownRequested() }
        }
    }

    func run() {
        thread.withLock { $0 = pthread_self() }
        while true {
            epoll.wait(timeoutMilliseconds: 250) { event in
                if event.token == Self.wakeupToken {
                    wakeup.drain()
                } else if event.token >= Self.listenerTokenBase {
                    acceptAll(listeners[Int(event.token - Self.listenerTokenBase)])
                } else if let connection = connections[event.token] {
                    connection.handle(event)
                }
                runPendingBetweenHandshakes()
            }
            runPending()
            let now = MonotonicClock.nanoseconds()
            heartbeat.store(now, ordering: .relaxed)
            if now &- lastSweep >= 250_000_000 {
                lastSweep = now
                let timeouts = ConnectionStateMachine.Timeouts(configuration)
                for connection in Array(connections.values) { connection.checkTimeouts(now: now, timeouts: timeouts) }
            }
            if stopping {
                if connections.isEmpty { break }
                if now >= stopDeadline {
                    // Past the stop's grace: each connection's state machine closes it.
                    let timeouts = ConnectionStateMachine.Timeouts(configuration)
                    for connection in Array(connections.values) { connection.checkTimeouts(now: now, timeouts: timeouts) }
                    break
                }
            }
        }
        runPending()
        finishedCondition.lock()
        finished.withLock { $0 = true }
        finishedCondition.broadcast()
        finishedCondition.unlock()
    }

    func waitUntilFinished() {
        finishedCondition.lock()
        while !finished.withLock({ $0 }) { finishedCondition.wait() }
        finishedCondition.unlock()
    }

    /// An answer the ledger committed meanwhile goes out now, not after the rest of the
    /// batch of events or of accepted connections: each may be a TLS handshake of half a
    /// millisecond, and a batch holds many.
    private func runPendingBetweenHandshakes() {
        if hasPending.load(ordering: .acquiring) { runPending() }
    }

    private func runPending() {
        while true {
            let work = pending.withLock { queue -> [@Sendable () -> Void] in
                let taken = queue
                queue.removeAll(keepingCapacity: true)
                hasPending.store(false, ordering: .relaxed)
                return taken
            }
            if work.isEmpty { return }
            for item in work { item() }
        }
    }

    private func acceptAll(_ listener: ServerListener) {
        // Bounded per wake-up, so one busy listener cannot starve the loop's connections.
        for _ in 0..<64 {
            let accepted: (fd: Int32, peer: SocketAddress?)?
            do {
                accepted = try SystemSocket.accept(listener.fd)
            } catch {
                logger.warning("accept.failed", metadata: ["listener": "\(listener.name)", "reason": "\(error)"])
                return
            }
            guard let accepted else { return }
            let configuration = self.configuration
            let peerKey = accepted.peer.map(PeerKey.init)
            if let peerKey, !admit(peerKey, limit: configuration.maxConnectionsPerAddress) {
                SystemSocket.close(accepted.fd)
                continue
            }
            var open = server.connectionOpened()
            let limit = configuration.maxConnections
            // Full: the connection that has waited longest in its handshake makes room,
            // so a flood of slow handshakes cannot hold every slot. With none to displace,
            // the cap's 503 below.
            if open > limit, listener.tls != nil, displaceOldestHandshake() { open -= 1 }
            if open > limit + max(16, limit / 10) {
                // Far over the cap: not even a 503, the descriptor is what is scarce.
                closeUnserved(accepted.fd, peerKey)
                continue
            }
            SystemSocket.setNoDelay(accepted.fd)
            let id = nextConnectionID
            nextConnectionID += 1
            let connection = Connection(id: id, fd: accepted.fd, peer: accepted.peer, peerKey: peerKey, listener: listener,
                                        loop: self, overCapacity: open > limit)
            do {
                try epoll.add(accepted.fd, token: id, interest: .readable)
            } catch {
                closeUnserved(accepted.fd, peerKey)
                continue
            }
            connections[id] = connection
            if listener.tls != nil { enqueueHandshake(id) }
            server.observer.connectionOpened()
            if stopping { connection.shutdownRequested() }
            connection.accepted()
            runPendingBetweenHandshakes()
        }
    }

    /// Counts a new connection against its address's cap; over it, says so (once a minute
    /// per address) and the caller closes it before any TLS work, which is what a flood
    /// of handshakes costs.
    private func admit(_ key: PeerKey, limit: Int) -> Bool {
        guard case .refused(let report) = server.perAddress.admit(key, limit: limit, now: MonotonicClock.nanoseconds())
        else { return true }
        server.observer.connectionDropped(.addressCap)
        if let report {
            logger.warning("connection.address_cap", metadata: [
                "peer": "\(key)", "limit": "\(limit)", "refused": "\(report)",
            ])
        }
        return false
    }

    private func enqueueHandshake(_ id: UInt64) {
        handshakeQueue.append(id)
        let waiting = handshakeQueue.count - handshakeQueueStart
        if waiting > 2 * connections.count + 64 {
            // Mostly connections long through their handshake, or gone.
            handshakeQueue = handshakeQueue[handshakeQueueStart...].filter { connections[$0]?.awaitsHandshake == true }
            handshakeQueueStart = 0
        } else if handshakeQueueStart > 1024, handshakeQueueStart > waiting {
            // Mostly ids already taken from the front by displacements.
            handshakeQueue.removeFirst(handshakeQueueStart)
            handshakeQueueStart = 0
        }
    }

    /// Closes this loop's oldest connection still in its handshake; false when it has none.
    /// Each loop displaces its own: the accepting loop is the one awake, and a flood's
    /// connections spread over the loops as every other client's do.
    private func displaceOldestHandshake() -> Bool {
        while handshakeQueueStart < handshakeQueue.count {
            let id = handshakeQueue[handshakeQueueStart]
            handshakeQueueStart += 1
            if handshakeQueueStart == handshakeQueue.count {
                handshakeQueue.removeAll(keepingCapacity: true)
                handshakeQueueStart = 0
            }
            guard let connection = connections[id], connection.awaitsHandshake else { continue }
            connection.displace()
            return true
        }
        return false
    }

    /// A connection counted at accept and closed before it was served.
    private func closeUnserved(_ fd: Int32, _ peerKey: PeerKey?) {
        server.connectionClosed()
        if let peerKey { server.perAddress.release(peerKey) }
        SystemSocket.close(fd)
    }

    func setInterest(_ connection: Connection, _ interest: Epoll.Interest) {
        try? epoll.modify(connection.fd, token: connection.id, interest: interest)
    }

    /// The connection is about to close its socket. No EPOLL_CTL_DEL: closing a socket
    /// takes it out of every epoll set, since no other descriptor shares it.
    func forget(_ connection: Connection) {
        connections.removeValue(forKey: connection.id)
        server.connectionClosed()
        if let key = connection.peerKey { server.perAddress.release(key) }
        server.observer.connectionClosed()
    }
}
