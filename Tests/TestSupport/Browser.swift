import Foundation
import Glibc

/// Headless Chromium under Selenium (`browser.py`, beside this file), run by the tests'
/// venv python (`TEST_VENV_PYTHON`, with the selenium package) through Debian's
/// chromedriver: a test opens pages, reads elements, clicks, runs scripts and takes
/// screenshots, one JSON line per command. The browser quits when ``quit()`` closes its
/// stdin, or when this process dies.
public final class Browser: @unchecked Sendable {
    // @unchecked: one test drives one browser from its own thread.
    private let child: ChildProcess
    private var input: FileHandle?
    private var answered = 0

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts the browser and waits until it runs.
    public init(window: String = "1280,900", timeout: TimeInterval = 60) throws {
        let python = try WebhookReceiver.python()
        for program in ["/usr/bin/chromium", "/usr/bin/chromedriver"] where !FileManager.default.isExecutableFile(atPath: program) {
            throw DaemonError("\(program) is missing: scripts/install-deps.sh test installs chromium and chromium-driver")
        }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("browser.py").path
        let stdin = Pipe()
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("VIDEOHOOKD_") }
        // Selenium asks its manager for nothing when the driver's path is given; this
        // keeps it from reaching out for browser versions either.
        environment["SE_OFFLINE"] = "true"
        child = try ChildProcess(executable: python, arguments: [python, script, "--window", window],
                                 environment: environment, descriptors: [0: stdin.fileHandleForReading.fileDescriptor])
        try? stdin.fileHandleForReading.close()
        input = stdin.fileHandleForWriting
        _ = try line(number: 0, timeout: timeout)
        answered = 1
    }

    deinit { quit() }

    /// Closes the browser's stdin and waits for it to quit.
    public func quit() {
        guard let input else { return }
        try? input.close()
        self.input = nil
        if child.waitForExit(timeout: 20) == nil {
            child.signal(SIGKILL)
            _ = child.waitForExit(timeout: 5)
        }
    }

    // MARK: Commands

    public func open(_ url: String) throws { _ = try send(["op": "open", "url": url]) }
    public func currentURL() throws -> String { try send(["op": "url"]) as? String ?? "" }
    public func title() throws -> String { try send(["op": "title"]) as? String ?? "" }
    public func text(_ css: String) throws -> String { try send(["op": "text", "css": css]) as? String ?? "" }
    public func texts(_ css: String) throws -> [String] { try send(["op": "texts", "css": css]) as? [String] ?? [] }
    public func count(_ css: String) throws -> Int { try send(["op": "count", "css": css]) as? Int ?? 0 }
    public func attribute(_ css: String, _ name: String) throws -> String? {
        try send(["op": "attribute", "css": css, "name": name]) as? String
    }
    public func click(_ css: String) throws { _ = try send(["op": "click", "css": css]) }

    /// Clicks what loads another page (a link, a form's button) and waits until the
    /// browser is at a URL that ends with `suffix` and that page has loaded: a click
    /// may return before the navigation it starts.
    public func click(_ css: String, thenAt suffix: String, timeout: Double = 15) throws {
        try click(css)
        try waitForPage(endingWith: suffix, timeout: timeout)
    }

    /// Waits until the current page's URL ends with `suffix` and it has loaded.
    public func waitForPage(endingWith suffix: String, timeout: Double = 15) throws {
        try wait("return window.location.href.endsWith(arguments[0]) && document.readyState === 'complete'",
                 timeout: timeout, [suffix])
    }
    public func type(_ css: String, _ text: String) throws { _ = try send(["op": "type", "css": css, "text": text]) }

    /// Runs `source`, a JavaScript function body (`return ...`); its value as JSON gives it.
    @discardableResult
    public func script(_ source: String, _ arguments: [Any] = []) throws -> Any? {
        try send(["op": "script", "source": source, "args": arguments])
    }

    /// Runs `source` every 100 ms until its value is truthy; throws after `timeout` seconds.
    @discardableResult
    public func wait(_ source: String, timeout: Double = 10, _ arguments: [Any] = []) throws -> Any? {
        try send(["op": "wait", "source": source, "timeout": timeout, "args": arguments], timeout: timeout + 30)
    }

    /// A PNG of the window at `path` (its folder is made).
    public func screenshot(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        _ = try send(["op": "screenshot", "path": path])
    }

    /// The console's lines since the last call: CSP violations and script errors.
    public func console() throws -> [String] { try send(["op": "console"]) as? [String] ?? [] }

    // MARK: The pipe

    private func send(_ command: [String: Any], timeout: TimeInterval = 60) throws -> Any? {
        guard let input else { throw Failure(description: "the browser has quit") }
        var data = try JSONSerialization.data(withJSONObject: command)
        data.append(0x0A)
        try input.write(contentsOf: data)
        let text = try line(number: answered, timeout: timeout)
        answered += 1
        guard let answer = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) as? [String: Any] else {
            throw Failure(description: "browser.py answered \(text.debugDescription)")
        }
        guard answer["ok"] as? Bool == true else {
            throw Failure(description: "browser \(command["op"] ?? "?"): \(answer["error"] ?? "?")")
        }
        let value = answer["value"]
        return value is NSNull ? nil : value
    }

    /// The `number`th line of the browser's stdout (0: "ready"), once it is whole.
    private func line(number: Int, timeout: TimeInterval) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let lines = child.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
            // The last piece is whole only once a newline follows it.
            if lines.count - 1 > number { return String(lines[number]) }
            if let status = child.exitStatusNow {
                throw Failure(description: "browser.py exited \(status): \(child.standardError.suffix(2000))")
            }
            if Date() > deadline {
                throw Failure(description: "browser.py gave no answer within \(Int(timeout)) s: \(child.standardError.suffix(2000))")
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }
}
