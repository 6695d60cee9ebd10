import Foundation
import Postgres
import Synchronization

/// ``LedgerDatabase`` on one PostgreSQL connection, inside one transaction that
/// ``PostgresLedgerBackend`` opened. A statement whose answer nobody reads (`execute`)
/// is held back and sent with the next one that is read, or with COMMIT
/// (``PostgresTransaction``): a group-commit batch of new callbacks is two round trips,
/// the batch's read and its writes with COMMIT. ``changesCount`` sends what is held, to
/// count. The ledger's statements are written with `?`
/// placeholders; here they become `$1`, `$2` … (``PostgresStatementText``), and values
/// travel typed: an integer as `int8`, a real as `float8`, text as `text`, a blob as
/// `bytea` (binary), so that an expression means what it means on SQLite
/// (`coalesce(created, ?) + 86400` with a fractional `now` is float arithmetic).
///
/// Results come back by column type: `smallint`/`integer`/`bigint` as integers,
/// `real`/`double precision` as reals, `numeric` (what `sum` of a `bigint` gives) as an
/// integer when it is whole and a real otherwise, `bytea` as a blob, `boolean` (what a
/// comparison in a SELECT list gives) as the integer 0 or 1, and every other type as
/// its text.
final class PostgresLedgerDatabase: LedgerDatabase {
    let transaction: PostgresTransaction
    private let statements: PostgresStatementCache
    private var changes = 0

    init(transaction: PostgresTransaction, statements: PostgresStatementCache) {
        self.transaction = transaction
        self.statements = statements
    }

    var dialect: SQLDialect { .postgres }

    /// As SQLite's changes(): the rows the last INSERT, UPDATE or DELETE changed. What is
    /// held back is sent first, so that the last one has run.
    var changesCount: Int {
        get throws {
            if try transaction.flush() { countChanges() }
            return changes
        }
    }

    func execute(sql: String, arguments: SQLArguments) throws {
        transaction.hold(try statements.numbered(sql, arguments: arguments.count), arguments.map { Self.value($0.sqlValue) })
    }

    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        let result = try run(sql, arguments)
        guard !result.rows.isEmpty else { return [] }
        let columns = SQLRow.Columns(result.columns.map(\.name))
        return try result.rows.map { try Self.row($0, columns) }
    }

    func fetchOne(sql: String, arguments: SQLArguments) throws -> SQLRow? {
        try Self.firstRow(of: run(sql, arguments))
    }

    func fetchOne(sql: String, eachOf arguments: [SQLArguments]) throws -> [SQLRow?] {
        guard let last = arguments.last else { return [] }
        let text = try statements.numbered(sql, arguments: last.count)
        for each in arguments.dropLast() { transaction.hold(text, each.map { Self.value($0.sqlValue) }) }
        _ = try transaction.query(text, last.map { Self.value($0.sqlValue) })
        countChanges()
        return try transaction.lastResults.suffix(arguments.count).map(Self.firstRow(of:))
    }

    private static func firstRow(of result: PostgresResult) throws -> SQLRow? {
        guard let first = result.rows.first else { return nil }
        return try row(first, SQLRow.Columns(result.columns.map(\.name)))
    }

    /// A savepoint (``PostgresTransaction/withSavepoint(_:)``): when `body` throws, the
    /// statements since the savepoint are undone and the transaction goes on; a failure
    /// that ends the whole transaction (a lost connection, a serialization failure) is
    /// passed on as it is, for the backend to run the transaction again.
    func inSavepoint(_ body: () throws -> Void) throws {
        try transaction.withSavepoint(body)
        countChanges()
    }

    private func run(_ sql: String, _ arguments: SQLArguments) throws(PostgresError) -> PostgresResult {
        let result = try transaction.query(try statements.numbered(sql, arguments: arguments.count),
                                           arguments.map { Self.value($0.sqlValue) })
        countChanges()
        return result
    }

    /// Keeps the count of the last INSERT, UPDATE or DELETE (or MERGE) among the
    /// statements the last send ran; a send of SELECTs only leaves it as it was.
    private func countChanges() {
        for result in transaction.lastResults.reversed() {
            if let first = result.commandTag.utf8.first,
               first == UInt8(ascii: "I") || first == UInt8(ascii: "U") || first == UInt8(ascii: "D")
                || first == UInt8(ascii: "M") {
                changes = result.affectedRows
                return
            }
        }
    }

    private static func value(_ value: SQLValue) -> PostgresValue? {
        switch value {
        case .null: nil
        case .integer(let value): .int64(value)
        case .real(let value): .double(value)
        // PostgreSQL's text cannot hold U+0000, which SQLite's can and a JSON body may
        // carry (`\u0000` in an error message): it becomes U+FFFD rather than a refused
        // callback. The raw body is kept as bytes, the character in it.
        case .text(let value) where value.utf8.contains(0): .string(value.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}"))
        case .text(let value): .string(value)
        case .blob(let value): .bytes(Array(value))
        }
    }

    // The built-in types' OIDs (pg_type.dat, fixed across versions).
    private static let boolOID: UInt32 = 16
    private static let byteaOID: UInt32 = 17
    private static let integerOIDs: Set<UInt32> = [20, 21, 23, 26]   // int8, int2, int4, oid
    private static let floatOIDs: Set<UInt32> = [700, 701]           // float4, float8
    private static let numericOID: UInt32 = 1700

    private static func row(_ row: PostgresRow, _ columns: SQLRow.Columns) throws -> SQLRow {
        var values: [SQLValue] = []
        values.reserveCapacity(row.count)
        for (index, column) in row.columns.enumerated() {
            values.append(try value(of: row, at: index, type: column.typeOID))
        }
        return SQLRow(columns: columns, values: values)
    }

    private static func value(of row: PostgresRow, at index: Int, type: UInt32) throws -> SQLValue {
        if type == byteaOID {
            guard let bytes = try row.decode([UInt8]?.self, at: index) else { return .null }
            return .blob(Data(bytes))
        }
        guard let text = try row.decode(String?.self, at: index) else { return .null }
        if integerOIDs.contains(type) {
            guard let value = Int64(text) else { throw unreadable(text, row, index) }
            return .integer(value)
        }
        if floatOIDs.contains(type) {
            guard let value = Double(text) else { throw unreadable(text, row, index) }
            return .real(value)
        }
        if type == numericOID {
            if let whole = Int64(text) { return .integer(whole) }
            guard let value = Double(text) else { throw unreadable(text, row, index) }
            // "12.000" (a whole sum of reals) is a whole number too.
            if let whole = Int64(exactly: value), !text.contains("e"), !text.contains("E") { return .integer(whole) }
            return .real(value)
        }
        if type == boolOID { return .integer(text == "t" ? 1 : 0) }
        return .text(text)
    }

    private static func unreadable(_ text: String, _ row: PostgresRow, _ index: Int) -> LedgerError {
        .readFailed(reason: "column \(row.columns[index].name) holds \"\(text)\", which is not a number")
    }
}

/// The ledger's statements with their `?` placeholders numbered `$1` … `$n`, each SQL
/// text translated once and kept: the ledger runs the same few statements again and
/// again. Shared by a backend's connections (the translation depends on the text only).
final class PostgresStatementCache: Sendable {
    private let translated = Mutex<[String: (text: String, placeholders: Int)]>([:])
    /// Beyond this many texts the cache starts over: the ledger's statements are a
    /// fixed set (a few dozen), so this only bounds a caller that builds texts freely.
    private let capacity = 2048

    /// `sql` numbered, refused when `arguments` is not its number of placeholders: as
    /// SQLite refuses it. (PostgreSQL itself takes more parameters than a statement
    /// uses, and a wrong count is a mistake of the caller's.)
    func numbered(_ sql: String, arguments: Int) throws(PostgresError) -> String {
        let statement: (text: String, placeholders: Int)
        if let known = translated.withLock({ $0[sql] }) {
            statement = known
        } else {
            statement = PostgresStatementText.numberedCounting(sql)
            translated.withLock { cache in
                if cache.count >= capacity { cache.removeAll(keepingCapacity: true) }
                cache[sql] = statement
            }
        }
        guard statement.placeholders == arguments else {
            throw PostgresError(kind: .other, message: "wrong number of statement arguments: \(arguments) for "
                                + "\(statement.placeholders) placeholders in \(sql)")
        }
        return statement.text
    }
}

/// `?` placeholders to PostgreSQL's `$1` … `$n`, in order, left alone where a `?` is
/// not a placeholder: inside a string literal (`'…'`, quotes doubled inside), a quoted
/// identifier (`"…"`), a dollar-quoted string (`$$…$$`, `$tag$…$tag$`), a line comment
/// (`-- …`) or a block comment (`/* … */`, which nest in PostgreSQL).
enum PostgresStatementText {
    static func numbered(_ sql: String) -> String {
        numberedCounting(sql).text
    }

    /// The numbered text and how many placeholders it has.
    static func numberedCounting(_ sql: String) -> (text: String, placeholders: Int) {
        let bytes = Array(sql.utf8)
        guard bytes.contains(UInt8(ascii: "?")) else { return (sql, 0) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 16)
        var number = 0
        var index = 0
        let count = bytes.count

        /// Copies a quoted literal or identifier that opens at `index`, up to and
        /// including its closing quote (or to the end when there is none).
        func copyQuoted(_ quote: UInt8) {
            output.append(bytes[index])
            index += 1
            while index < count {
                let byte = bytes[index]
                output.append(byte)
                index += 1
                if byte == quote {
                    // A doubled quote is one quote inside the literal.
                    if index < count && bytes[index] == quote {
                        output.append(quote)
                        index += 1
                        continue
                    }
                    return
                }
            }
        }

        while index < count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "?"):
                number += 1
                output.append(UInt8(ascii: "$"))
                output.append(contentsOf: Array(String(number).utf8))
                index += 1
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                copyQuoted(byte)
            case UInt8(ascii: "-") where index + 1 < count && bytes[index + 1] == UInt8(ascii: "-"):
                while index < count && bytes[index] != UInt8(ascii: "\n") {
                    output.append(bytes[index])
                    index += 1
                }
            case UInt8(ascii: "/") where index + 1 < count && bytes[index + 1] == UInt8(ascii: "*"):
                var depth = 0
                while index < count {
                    if index + 1 < count && bytes[index] == UInt8(ascii: "/") && bytes[index + 1] == UInt8(ascii: "*") {
                        depth += 1
                        output.append(contentsOf: bytes[index...index + 1])
                        index += 2
                    } else if index + 1 < count && bytes[index] == UInt8(ascii: "*") && bytes[index + 1] == UInt8(ascii: "/") {
                        depth -= 1
                        output.append(contentsOf: bytes[index...index + 1])
                        index += 2
                        if depth == 0 { break }
                    } else {
                        output.append(bytes[index])
                        index += 1
                    }
                }
            case UInt8(ascii: "$"):
                if let tagEnd = dollarTagEnd(bytes, from: index) {
                    let tag = bytes[index...tagEnd]
                    output.append(contentsOf: tag)
                    index = tagEnd + 1
                    // To the closing tag, or to the end when there is none.
                    while index < count {
                        if bytes[index] == UInt8(ascii: "$"), index + tag.count <= count,
                           bytes[index..<index + tag.count].elementsEqual(tag) {
                            output.append(contentsOf: tag)
                            index += tag.count
                            break
                        }
                        output.append(bytes[index])
                        index += 1
                    }
                } else {
                    output.append(byte)
                    index += 1
                }
            default:
                output.append(byte)
                index += 1
            }
        }
        return (String(decoding: output, as: UTF8.self), number)
    }

    /// When a dollar quote opens at `start` (`$$` or `$tag$`, the tag a letter or `_`
    /// then letters, digits or `_`, and not inside a word such as `a$b`): the index of
    /// its closing `$`. A `$1` parameter is no dollar quote.
    private static func dollarTagEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        func isIdentifier(_ byte: UInt8) -> Bool {
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || byte == UInt8(ascii: "_") || byte >= 0x80
        }
        if start > 0 && isIdentifier(bytes[start - 1]) { return nil }
        var index = start + 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "$") { return index }
            let first = index == start + 1
            guard isIdentifier(byte), !(first && byte >= 0x30 && byte <= 0x39) else { return nil }
            index += 1
        }
        return nil
    }
}
