import CLinux
import Dispatch
import Glibc
import Synchronization

/// A thread of the daemon's own, named as `top -H` and `ps -L` show it, that can be
/// waited for with a timeout. Every long-lived thread starts here, so that each has a
/// name (the kernel keeps 15 bytes of it) and each service can wait for its own.
public final class NamedThread: Sendable {
    public let name: String
    private let thread: pthread_t
    private let completion: Completion

    /// Shared by the thread and its handle from before the thread exists, so the body
    /// can finish before `start` has returned.
    private final class Completion: Sendable {
        let finished = DispatchSemaphore(value: 0)
        let done = Atomic<Bool>(false)
    }

    private final class Start: Sendable {
        let name: String
        let body: @Sendable () -> Void
        let completion: Completion
        init(name: String, body: @escaping @Sendable () -> Void, completion: Completion) {
            self.name = name
            self.body = body
            self.completion = completion
        }
    }

    private init(name: String, thread: pthread_t, completion: Completion) {
        self.name = name
        self.thread = thread
        self.completion = completion
    }

    /// Starts `body` on a new thread called `name` (cut to 15 bytes, the kernel's limit).
    /// Throws when the system refuses a thread (the errno of `pthread_create`).
    public static func start(_ name: String, _ body: @escaping @Sendable () -> Void) throws(ThreadStartError) -> NamedThread {
        let shortName = String(decoding: name.utf8.prefix(15), as: UTF8.self)
        let completion = Completion()
        let retained = Unmanaged.passRetained(Start(name: shortName, body: body, completion: completion))
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            let start = Unmanaged<Start>.fromOpaque(raw!).takeRetainedValue()
            // Named from inside: Foundation keeps `Thread.name` to itself on Linux.
            _ = pthread_setname_np(pthread_self(), start.name)
            start.body()
            start.completion.done.store(true, ordering: .releasing)
            start.completion.finished.signal()
            return nil
        }, retained.toOpaque())
        guard result == 0 else {
            retained.release()
            throw ThreadStartError(name: name, errno: result)
        }
        return NamedThread(name: shortName, thread: thread, completion: completion)
    }

    /// True once the body has returned.
    public var isFinished: Bool { completion.done.load(ordering: .acquiring) }

    /// The system's handle, for a test that sends a signal to this one thread.
    public var handle: pthread_t { thread }

    /// Waits until the body has returned, however long. On the thread itself it returns
    /// at once: the body is still running there.
    public func join() {
        if isFinished || isCurrent { return }
        completion.finished.wait()
        completion.finished.signal()
    }

    /// True on this thread itself, where waiting for it would wait forever.
    public var isCurrent: Bool { pthread_equal(pthread_self(), thread) != 0 }

    /// Waits until the body has returned, at most `timeout`. True when it had. On the
    /// thread itself it does not wait: the body is still running there.
    public func waitUntilFinished(timeout: Duration) -> Bool {
        if isFinished { return true }
        if isCurrent { return false }
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = max(0, seconds).multipliedReportingOverflow(by: 1_000_000_000).partialValue
            + max(0, attoseconds / 1_000_000_000)
        guard completion.finished.wait(timeout: .now() + .nanoseconds(Int(clamping: nanoseconds))) == .success else {
            return isFinished
        }
        // Others may be waiting too: pass the signal on.
        completion.finished.signal()
        return true
    }

    deinit {
        // Nothing joins: detached, the thread's resources go back when it ends.
        pthread_detach(thread)
    }
}

/// `pthread_create` refused a thread.
public struct ThreadStartError: Error, Sendable, CustomStringConvertible {
    public var name: String
    public var errno: Int32
    public var description: String {
        "cannot start the \(name) thread: \(String(cString: strerror(errno))) (errno \(errno))"
    }
}
