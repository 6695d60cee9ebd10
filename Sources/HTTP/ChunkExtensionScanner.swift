/// Checks the chunk extensions of one chunk-size line against RFC 9112 §7.1.1, a byte at a
/// time, so that the verdict does not depend on how the line was split between reads:
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
/// The scanner sees every byte after the chunk size up to, not including, the line's CR
/// (`consume`), then `finish` at the CR. It holds one byte of state and never allocates.
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

    /// Judges one byte of the line (never its CR).
    @inline(__always)
    mutating func consume(_ byte: UInt8) throws(HTTPRequestError) {
        switch state {
        case .betweenExtensions:
            if byte == HTTPGrammar.semicolon {
                state = .beforeName
            } else if HTTPGrammar.isWhitespace(byte) {
                state = .whitespaceBeforeSemicolon
            } else {
                throw unexpected(byte, "after a chunk size or extension; only ';' may start an extension")
            }

        case .whitespaceBeforeSemicolon:
            if byte == HTTPGrammar.semicolon {
                state = .beforeName
            } else if !HTTPGrammar.isWhitespace(byte) {
                throw unexpected(byte, "after whitespace; whitespace after a chunk size must lead to ';'")
            }

        case .beforeName:
            if HTTPGrammar.isToken(byte) {
                state = .name
            } else if !HTTPGrammar.isWhitespace(byte) {
                throw byte == HTTPGrammar.semicolon || byte == HTTPGrammar.equals
                    ? invalid("a ';' is not followed by an extension name")
                    : unexpected(byte, "where an extension name (a token) must start")
            }

        case .name:
            if HTTPGrammar.isToken(byte) { return }
            if byte == HTTPGrammar.equals {
                state = .beforeValue
            } else if byte == HTTPGrammar.semicolon {
                state = .beforeName
            } else if HTTPGrammar.isWhitespace(byte) {
                state = .whitespaceAfterName
            } else {
                throw unexpected(byte, "in an extension name; a name is a token")
            }

        case .whitespaceAfterName:
            if byte == HTTPGrammar.equals {
                state = .beforeValue
            } else if byte == HTTPGrammar.semicolon {
                state = .beforeName
            } else if !HTTPGrammar.isWhitespace(byte) {
                throw unexpected(byte, "after an extension name and whitespace; only '=' or ';' may follow")
            }

        case .beforeValue:
            if HTTPGrammar.isToken(byte) {
                state = .tokenValue
            } else if byte == HTTPGrammar.quote {
                state = .quotedValue
            } else if !HTTPGrammar.isWhitespace(byte) {
                throw byte == HTTPGrammar.semicolon
                    ? invalid("'=' is not followed by a value")
                    : unexpected(byte, "where an extension value (a token or a quoted-string) must start")
            }

        case .tokenValue:
            if HTTPGrammar.isToken(byte) { return }
            if byte == HTTPGrammar.semicolon {
                state = .beforeName
            } else if HTTPGrammar.isWhitespace(byte) {
                state = .whitespaceBeforeSemicolon
            } else {
                throw unexpected(byte, "in an extension value; quote a value that is not a token")
            }

        case .quotedValue:
            if byte == HTTPGrammar.quote {
                state = .betweenExtensions
            } else if byte == HTTPGrammar.backslash {
                state = .quotedPair
            } else if !Self.isQuotedText(byte) {
                throw unexpected(byte, "inside a quoted-string")
            }

        case .quotedPair:
            // HTAB / SP / VCHAR / obs-text are exactly the field-value bytes.
            guard HTTPGrammar.isFieldValue(byte) else {
                throw unexpected(byte, "after a backslash; a quoted-pair escapes only HTAB, SP, VCHAR or obs-text")
            }
            state = .quotedValue
        }
    }

    /// Judges the end of the line, at its CR: the line may end after a size, a name or a
    /// value, nowhere else.
    func finish() throws(HTTPRequestError) {
        switch state {
        case .betweenExtensions, .name, .tokenValue:
            return
        case .whitespaceBeforeSemicolon, .whitespaceAfterName:
            throw invalid("whitespace at the end of a chunk-size line")
        case .beforeName:
            throw invalid("a ';' is not followed by an extension name")
        case .beforeValue:
            throw invalid("'=' is not followed by a value")
        case .quotedValue:
            throw invalid("a quoted-string is not closed before the end of the line")
        case .quotedPair:
            throw invalid("a backslash ends the line inside a quoted-string")
        }
    }

    /// qdtext: HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text; that is, any field-value
    /// byte but DQUOTE and backslash.
    @inline(__always)
    private static func isQuotedText(_ byte: UInt8) -> Bool {
        HTTPGrammar.isFieldValue(byte) && byte != HTTPGrammar.quote && byte != HTTPGrammar.backslash
    }

    private func unexpected(_ byte: UInt8, _ place: String) -> HTTPRequestError {
        if byte == HTTPGrammar.lf { return .bareLF(in: "chunked body") }
        let what = byte < 0x20 || byte == 0x7F ? "control character" : "character"
        return invalid("\(what) \(HTTPGrammar.describe(byte)) \(place)")
    }

    private func invalid(_ problem: String) -> HTTPRequestError {
        .badRequest("invalid chunk extension (RFC 9112 §7.1.1): \(problem)", param: "transfer-encoding")
    }
}
