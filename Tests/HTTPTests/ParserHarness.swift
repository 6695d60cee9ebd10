import HTTP

/// Everything a parser produced from some input: its events in order and the error
/// that stopped it, if any.
struct ParseOutcome {
    var events: [HTTPParseEvent] = []
    var error: HTTPRequestError?

    var requests: [HTTPRequest] {
        events.compactMap { event in
            if case .request(let request) = event { return request }
            return nil
        }
    }

    var continueCount: Int {
        events.count { event in
            if case .continueExpected = event { return true }
            return false
        }
    }
}

/// Feeds `parts` one after the other, calling `next()` until nil after each, as the
/// server does after each read.
func parse(parts: [[UInt8]], limits: HTTPLimits = HTTPLimits()) -> ParseOutcome {
    var parser = HTTPRequestParser(limits: limits)
    var outcome = ParseOutcome()
    for part in parts {
        parser.append(contentsOf: part)
        do throws(HTTPRequestError) {
            while let event = try parser.next() { outcome.events.append(event) }
        } catch {
            outcome.error = error
            return outcome
        }
    }
    return outcome
}

func parse(_ text: String, limits: HTTPLimits = HTTPLimits()) -> ParseOutcome {
    parse(parts: [bytes(text)], limits: limits)
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// The statuses and parser states a test may pin down without re-stating the message.
extension HTTPRequestError {
    var summary: String { "\(status) \(param ?? "-")" }
}
