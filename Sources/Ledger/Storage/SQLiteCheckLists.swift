import Foundation
import GRDB

/// Migration `v9-check-lists` on SQLite: every `CHECK (x IN ('a', 'b', 'c', …))` of the
/// ledger's tables becomes `CHECK ((x = 'a' OR x = 'b' OR x = 'c' …))`, the same test.
///
/// Why: SQLite (3.40 here) checks a list of three or more values by building a
/// temporary B-tree of it each time a row is written (`OpenEphemeral` in `EXPLAIN`),
/// about 1.8 µs a check; a completed callback runs five such checks (in its task, its
/// event, its download job and its notification event), a quarter of the writer's
/// instructions per callback (callgrind: 610K before, 449K after; issue 24).
/// Comparisons cost a few instructions each.
/// Lists of two values (`IN (0, 1)`) are already compiled to comparisons and stay.
///
/// How: the tables' text in `sqlite_schema` is rewritten in place, SQLite's documented
/// way for a change that leaves the stored content as it is
/// (<https://sqlite.org/lang_altertable.html>, "otheralter": `writable_schema`, a new
/// `schema_version`), in the migration's transaction, and each changed table read once
/// so that its new text is parsed. Every row already satisfies the rewritten check,
/// which is the same predicate.
enum SQLiteCheckLists {
    static func rewrite(_ db: Database) throws {
        let tables = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND sql IS NOT NULL")
        var changes: [(name: String, sql: String)] = []
        for table in tables {
            let sql: String = table["sql"]
            let rewritten = rewritten(sql)
            if rewritten != sql { changes.append((table["name"], rewritten)) }
        }
        guard !changes.isEmpty else { return }
        let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
        try db.execute(sql: "PRAGMA writable_schema = ON")
        for change in changes {
            try db.execute(sql: "UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?",
                           arguments: [change.sql, change.name])
        }
        try db.execute(sql: "PRAGMA schema_version = \(version + 1)")
        try db.execute(sql: "PRAGMA writable_schema = OFF")
        // The new text must parse: a statement on each changed table reloads the schema.
        // A failure throws, and the migration's transaction rolls the text back. Not the
        // full `PRAGMA integrity_check` the SQLite page suggests after such an edit: it
        // reads the whole file, minutes on a large ledger at a `serve` start that systemd
        // gives 60 s, and this edit changes no stored page but the schema's.
        for change in changes {
            _ = try Row.fetchAll(db, sql: "SELECT * FROM \(change.name.quotedDatabaseIdentifier) LIMIT 0")
        }
    }

    /// `column IN ('a', 'b', 'c', …)` (three or more quoted values) as a chain of
    /// equalities in parentheses; everything else of `sql` as it is.
    static func rewritten(_ sql: String) -> String {
        let range = NSRange(sql.startIndex..., in: sql)
        var result = sql
        // Backwards, so that each replacement leaves the earlier matches' ranges valid.
        for match in listPattern.matches(in: sql, range: range).reversed() {
            guard let whole = Range(match.range, in: sql), let columnRange = Range(match.range(at: 1), in: sql),
                  let listRange = Range(match.range(at: 2), in: sql) else { continue }
            let column = String(sql[columnRange])
            let values = valuePattern.matches(in: sql, range: NSRange(listRange, in: sql)).compactMap {
                Range($0.range, in: sql).map { String(sql[$0]) }
            }
            let chain = "(" + values.map { "\(column) = \($0)" }.joined(separator: " OR ") + ")"
            result.replaceSubrange(whole, with: chain)
        }
        return result
    }

    /// A column name, IN, and a parenthesized list of at least three string literals
    /// (literals without an embedded quote, as the ledger's are).
    private static let listPattern = try! NSRegularExpression(
        pattern: #"\b([a-z_]+) IN \(('[^']*'(?:\s*,\s*'[^']*'){2,})\)"#)
    private static let valuePattern = try! NSRegularExpression(pattern: #"'[^']*'"#)
}
