import HTTP
import Testing

/// What follows a chunk size on its line, up to the CRLF, and for a refused one the part
/// of the message that says why.
struct ChunkExtensionCase: Sendable, CustomTestStringConvertible {
    var extensions: String
    var reason = ""

    var testDescription: String { extensions.debugDescription }

    static let accepted: [ChunkExtensionCase] = [
        ChunkExtensionCase(extensions: ";name"),
        ChunkExtensionCase(extensions: ";name=token"),
        ChunkExtensionCase(extensions: #";name="quoted \" string""#),
        ChunkExtensionCase(extensions: #";name="""#),
        ChunkExtensionCase(extensions: #";name="semi;colon, equals= and spaces""#),
        ChunkExtensionCase(extensions: #";name="a\\b""#),
        ChunkExtensionCase(extensions: ";name=\"tab\\\tand\\ space\""),
        ChunkExtensionCase(extensions: ";name=\"obs-text caf\u{E9}\""),
        ChunkExtensionCase(extensions: ";name=\"escaped obs-text \\\u{E9}\""),
        ChunkExtensionCase(extensions: " ;name"),
        ChunkExtensionCase(extensions: "\t;name"),
        ChunkExtensionCase(extensions: " \t ;name"),
        ChunkExtensionCase(extensions: "; name"),
        ChunkExtensionCase(extensions: ";\tname"),
        ChunkExtensionCase(extensions: ";name = value"),
        ChunkExtensionCase(extensions: ";name\t=\tvalue"),
        ChunkExtensionCase(extensions: #" ; name = "v""#),
        ChunkExtensionCase(extensions: ";a;b;c"),
        ChunkExtensionCase(extensions: #";a=1;b="x";c"#),
        ChunkExtensionCase(extensions: ";a ;b"),
        ChunkExtensionCase(extensions: ";a=b ;c"),
        ChunkExtensionCase(extensions: #";a="x" ;b"#),
        ChunkExtensionCase(extensions: #";a="x";b"#),
        ChunkExtensionCase(extensions: ";!#$%&'*+-.^_`|~=!#$%&'*+-.^_`|~"),
        ChunkExtensionCase(extensions: ";NAME=VALUE"),
    ]

    static let refused: [ChunkExtensionCase] = [
        ChunkExtensionCase(extensions: ";", reason: "a ';' is not followed by an extension name"),
        ChunkExtensionCase(extensions: "; ", reason: "a ';' is not followed by an extension name"),
        ChunkExtensionCase(extensions: ";;a", reason: "a ';' is not followed by an extension name"),
        ChunkExtensionCase(extensions: ";a;", reason: "a ';' is not followed by an extension name"),
        ChunkExtensionCase(extensions: ";=v", reason: "a ';' is not followed by an extension name"),
        ChunkExtensionCase(extensions: ";a=", reason: "'=' is not followed by a value"),
        ChunkExtensionCase(extensions: ";a= ", reason: "'=' is not followed by a value"),
        ChunkExtensionCase(extensions: ";a=;b", reason: "'=' is not followed by a value"),
        ChunkExtensionCase(extensions: ";a==b", reason: "character '=' where an extension value"),
        ChunkExtensionCase(extensions: #";a="unterminated"#, reason: "a quoted-string is not closed"),
        ChunkExtensionCase(extensions: #";a=""#, reason: "a quoted-string is not closed"),
        ChunkExtensionCase(extensions: #";a="x\"#, reason: "a backslash ends the line"),
        ChunkExtensionCase(extensions: ";a=\"x\\\u{01}\"", reason: "control character 0x01 after a backslash"),
        ChunkExtensionCase(extensions: ";a=\"x\\\u{7F}\"", reason: "control character 0x7F after a backslash"),
        ChunkExtensionCase(extensions: ";a=\"x\u{01}\"", reason: "control character 0x01 inside a quoted-string"),
        ChunkExtensionCase(extensions: ";a=\"x\u{7F}\"", reason: "control character 0x7F inside a quoted-string"),
        ChunkExtensionCase(extensions: ";a=\"x\u{00}\"", reason: "control character 0x00 inside a quoted-string"),
        ChunkExtensionCase(extensions: #";a="x"y"#, reason: "character 'y' after a chunk size or extension"),
        ChunkExtensionCase(extensions: #";a=b"c""#, reason: "character '\"' in an extension value"),
        ChunkExtensionCase(extensions: ";a@b", reason: "character '@' in an extension name"),
        ChunkExtensionCase(extensions: ";a(b)", reason: "character '(' in an extension name"),
        ChunkExtensionCase(extensions: ";(a)", reason: "character '(' where an extension name"),
        ChunkExtensionCase(extensions: ";\"a\"", reason: "character '\"' where an extension name"),
        ChunkExtensionCase(extensions: ";a=b@c", reason: "character '@' in an extension value"),
        ChunkExtensionCase(extensions: ";a=b,c", reason: "character ',' in an extension value"),
        ChunkExtensionCase(extensions: ";a\u{01}", reason: "control character 0x01 in an extension name"),
        ChunkExtensionCase(extensions: ";a=b\u{01}", reason: "control character 0x01 in an extension value"),
        ChunkExtensionCase(extensions: ";caf\u{E9}", reason: "character 0xC3 in an extension name"),
        ChunkExtensionCase(extensions: ";a b", reason: "character 'b' after an extension name and whitespace"),
        ChunkExtensionCase(extensions: ";a ", reason: "whitespace at the end of a chunk-size line"),
        ChunkExtensionCase(extensions: ";a=b ", reason: "whitespace at the end of a chunk-size line"),
        ChunkExtensionCase(extensions: ";a=\"b\" ", reason: "whitespace at the end of a chunk-size line"),
        ChunkExtensionCase(extensions: ";a=b\t", reason: "whitespace at the end of a chunk-size line"),
        ChunkExtensionCase(extensions: " garbage", reason: "character 'g' after whitespace"),
        ChunkExtensionCase(extensions: " ", reason: "whitespace at the end of a chunk-size line"),
        ChunkExtensionCase(extensions: ";a=b c", reason: "character 'c' after whitespace"),
        ChunkExtensionCase(extensions: ";a=b;c=\"d", reason: "a quoted-string is not closed"),
    ]
}

@Suite("Chunk extensions follow RFC 9112 §7.1.1")
struct ChunkExtensionScannerTests {
    private static let head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"

    @Test("a valid extension is accepted and ignored", arguments: ChunkExtensionCase.accepted)
    func accepted(_ chunk: ChunkExtensionCase) throws {
        let outcome = parse(Self.head + "5\(chunk.extensions)\r\nhello\r\n0\(chunk.extensions)\r\n\r\n")
        #expect(outcome.error == nil, "\(outcome.error?.message ?? "")")
        #expect(try #require(outcome.requests.first).body == bytes("hello"))
    }

    @Test("an invalid extension is 400, with the reason", arguments: ChunkExtensionCase.refused)
    func refused(_ chunk: ChunkExtensionCase) throws {
        let outcome = parse(Self.head + "5\(chunk.extensions)\r\nhello\r\n0\r\n\r\n")
        try expectRefused(outcome, chunk)
    }

    @Test("an invalid extension on the last chunk is 400 too", arguments: ChunkExtensionCase.refused)
    func refusedOnLastChunk(_ chunk: ChunkExtensionCase) throws {
        let outcome = parse(Self.head + "5\r\nhello\r\n0\(chunk.extensions)\r\n\r\n")
        try expectRefused(outcome, chunk)
    }

    @Test("garbage right after the size is not taken for an extension")
    func garbageAfterSize() throws {
        let outcome = parse(Self.head + "5xyz\r\nhello\r\n0\r\n\r\n")
        let error = try #require(outcome.error)
        #expect(error.status == 400)
        #expect(error.message.contains("invalid character 'x' in a chunk size"), "\(error.message)")
    }

    @Test("a bare LF in an extension is refused as a bare LF")
    func bareLineFeed() throws {
        for extensions in [";a\n", ";a=\"x\n\"", ";a=b\n", " \n"] {
            let error = try #require(parse(Self.head + "5\(extensions)\r\nhello\r\n0\r\n\r\n").error, "\(extensions)")
            #expect(error.status == 400)
            #expect(error.message.contains("bare LF"), "\(error.message)")
        }
    }

    @Test("a CRLF inside a quoted-string ends the line, so the string is unterminated")
    func lineEndInsideQuotes() throws {
        // A lax parser that let a quoted-string run over the CRLF would read "hello" as
        // part of the extension and see another chunk after it.
        let error = try #require(parse(Self.head + "5;a=\"x\r\nhello\"\r\n0\r\n\r\n").error)
        #expect(error.message.contains("a quoted-string is not closed"), "\(error.message)")
    }

    private func expectRefused(_ outcome: ParseOutcome, _ chunk: ChunkExtensionCase,
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let error = try #require(outcome.error, "accepted", sourceLocation: sourceLocation)
        #expect(error.status == 400, sourceLocation: sourceLocation)
        #expect(error.param == "transfer-encoding", sourceLocation: sourceLocation)
        #expect(error.message.hasPrefix("invalid chunk extension (RFC 9112 §7.1.1): "), "\(error.message)",
                sourceLocation: sourceLocation)
        #expect(error.message.contains(chunk.reason), "\(error.message)", sourceLocation: sourceLocation)
        #expect(error.head?.target == "/", sourceLocation: sourceLocation)
        #expect(outcome.requests.isEmpty, sourceLocation: sourceLocation)
    }
}
