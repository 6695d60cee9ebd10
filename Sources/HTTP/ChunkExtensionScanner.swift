/// Checks the chunk extensions of one chunk-size line against RFC 9112 §7.1.1, keeping
/// its place between calls, so that the verdict does not depend on how the line was
/// split between reads:
///
///     chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
///     chunk-ext-name = token
///     chunk-ext-val  = token / quoted-string
///     quoted-string  = DQUOTE *( qdtext / quoted-pair ) DQUOTE
///     qdtext         = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
///     quoted-pair    = "\" ( HTAB / SP / VCHAR / obs-text )
///
/// The extensions are ignored, but a lax reading of them is a request-smuggling vector:
/// a parser that ends a quoted-string, or the line, somewhere else than the next one
/// does sees a different chunk size and so a different body and next request. Anything
/// outside the grammar is a 400. BWS is allowed only where the grammar puts it: before
/// ';' and around '='. Whitespace before the CRLF is refused, as is a ';' with no name.
///
/// The scanner is given the bytes after the chunk size (`scan`), stops at the line's
/// CR, and is asked whether the line may end there (`finish`). Its state is one byte; it
/// never allocates but to build an error.
struct ChunkExtensionScanner: Sendable {
    private enum State: UInt8, Sendable {
        /// After the chunk size, or after a complete extension: CR, BWS or ';' may come.
        case betweenExtensions
        /// Whitespace outside an extension: only more of it or ';' may follow.
        case whitespaceBeforeSemicolon
        /// After ';': BWS, then the name.
        case beforeName
        case name
        /// Whitespace after a name: '=' or the ';' of the next extension.
        case whitespaceAfterName
        /// After '=': BWS, then the value.
        case beforeValue
        case tokenValue
        case quotedValue
        /// After a backslash inside a quoted-string.
        case quotedPair
    }

    private var state = State.betweenExtensions

    /// Judges `bytes[start..<end]` up to the first CR. Returns the CR's index, or `end`
    /// when there is none in the range (the scanner then waits for more).
    mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int)
        throws(HTTPRequestError) -> Int
    {
        // The state in a local for the loop; a name, a token value or the text of a
        // quoted-string is skipped by a tight loop of its own.
        var state = self.state
        defer { self.state = state }
        var i = start
        while i < end {
            let byte = bytes[i]
            if byte == HTTPGrammar.cr { return i }
            switch state {
            case .betweenExtensions, .whitespaceBeforeSemicolon:
                if byte == HTTPGrammar.semicolon {
                    state = .beforeName
                } else if HTTPGrammar.isWhitespace(byte) {
                    state = .whitespaceBeforeSemicolon
                } else {
                    throw Self.error(byte, in: state)
                }

            case .beforeName:
                if HTTPGrammar.isToken(byte) {
                    state = .name
                    continue
                }
                guard HTTPGrammar.isWhitespace(byte) else { throw Self.error(byte, in: state) }

            case .name, .whitespaceAfterName:
                if state == .name, HTTPGrammar.isToken(byte) {
                    i = Self.skipTokens(bytes, from: i + 1, to: end)
                    continue
                }
                if byte == HTTPGrammar.equals {
                    state = .beforeValue
                } else if byte == HTTPGrammar.semicolon {
                    state = .beforeName
                } else if HTTPGrammar.isWhitespace(byte) {
                    state = .whitespaceAfterName
                } else {
                    throw Self.error(byte, in: state)
                }

            case .beforeValue:
                if HTTPGrammar.isToken(byte) {
                    state = .tokenValue
                    continue
                }
                if byte == HTTPGrammar.quote {
                    state = .quotedValue
                } else if !HTTPGrammar.isWhitespace(byte) {
                    throw Self.error(byte, in: state)
                }

            case .tokenValue:
                if HTTPGrammar.isToken(byte) {
                    i = Self.skipTokens(bytes, from: i + 1, to: end)
                    continue
                }
                if byte == HTTPGrammar.semicolon {
                    state = .beforeName
                } else if HTTPGrammar.isWhitespace(byte) {
                    state = .whitespaceBeforeSemicolon
                } else {
                    throw Self.error(byte, in: state)
                }

            case .quotedValue:
                if byte == HTTPGrammar.quote {
                    state = .betweenExtensions
                } else if byte == HTTPGrammar.backslash {
                    state = .quotedPair
                } else if Self.isQuotedText(byte) {
                    i += 1
                    while i < end, Self.isQuotedText(bytes[i]) { i += 1 }
                    continue
                } else {
                    throw Self.error(byte, in: state)
                }

            case .quotedPair:
                // HTAB / SP / VCHAR / obs-text are exactly the field-value bytes.
                guard HTTPGrammar.isFieldValue(byte) else { throw Self.error(byte, in: state) }
                state = .quotedValue
            }
            i += 1
        }
        return end
    }

    /// Judges the end of the line, at its CR: the line may end after a size, a name or a
    /// value, nowhere else.
    func finish() throws(HTTPRequestError) {
        switch state {
        case .betweenExtensions, .name, .tokenValue:
            return
        case .whitespaceBeforeSemicolon, .whitespaceAfterName:
            throw Self.invalid("whitespace at the end of a chunk-size line")
        case .beforeName:
            throw Self.invalid("a ';' is not followed by an extension name")
        case .beforeValue:
            throw Self.invalid("'=' is not followed by a value")
        case .quotedValue:
            throw Self.invalid("a quoted-string is not closed before the end of the line")
        case .quotedPair:
            throw Self.invalid("a backslash ends the line inside a quoted-string")
        }
    }

    @inline(__always)
    private static func skipTokens(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var i = start
        while i < end, HTTPGrammar.isToken(bytes[i]) { i += 1 }
        return i
    }

    /// qdtext: HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text; that is, any field-value
    /// byte but DQUOTE and backslash.
    @inline(__always)
    private static func isQuotedText(_ byte: UInt8) -> Bool {
        HTTPGrammar.isFieldValue(byte) && byte != HTTPGrammar.quote && byte != HTTPGrammar.backslash
    }

    /// The error for `byte`, which `state` does not allow. Out of line: the loop above
    /// stays small, and errors are rare.
    @inline(never)
    private static func error(_ byte: UInt8, in state: State) -> HTTPRequestError {
        if byte == HTTPGrammar.lf { return .bareLF(in: "chunked body") }
        let what = (byte < 0x20 || byte == 0x7F ? "control character " : "character ") + HTTPGrammar.describe(byte)
        switch state {
        case .betweenExtensions:
            return invalid("\(what) after a chunk size or extension; only ';' may start an extension")
        case .whitespaceBeforeSemicolon:
            return invalid("\(what) after whitespace; only ';' and a next extension may follow it")
        case .beforeName:
            if byte == HTTPGrammar.semicolon || byte == HTTPGrammar.equals {
                return invalid("a ';' is not followed by an extension name")
            }
            return invalid("\(what) where an extension name (a token) must start")
        case .name:
            return invalid("\(what) in an extension name; a name is a token")
        case .whitespaceAfterName:
            return invalid("\(what) after an extension name and whitespace; only '=' or ';' may follow")
        case .beforeValue:
            if byte == HTTPGrammar.semicolon { return invalid("'=' is not followed by a value") }
            return invalid("\(what) where an extension value (a token or a quoted-string) must start")
        case .tokenValue:
            return invalid("\(what) in an extension value; quote a value that is not a token")
        case .quotedValue:
            return invalid("\(what) inside a quoted-string")
        case .quotedPair:
            return invalid("\(what) after a backslash; a quoted-pair escapes only HTAB, SP, VCHAR or obs-text")
        }
    }

    private static func invalid(_ problem: String) -> HTTPRequestError {
        .badRequest("invalid chunk extension (RFC 9112 §7.1.1): \(problem)", param: "transfer-encoding")
    }
}
