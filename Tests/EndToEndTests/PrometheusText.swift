/// A strict reader of the Prometheus text exposition format (version 0.0.4), written for
/// the tests so that `/metrics` is judged by the format's rules rather than by the library
/// that produced it: `# HELP` and `# TYPE` lines, samples `name{label="value",...} value
/// [timestamp]`, every sample under a TYPE given before it, a family's lines together,
/// histograms with cumulative buckets ending in `+Inf` equal to `_count`.
struct PrometheusText {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Family {
        var name: String
        var type: String
        var help: String?
        var samples: [Sample] = []
    }

    struct FormatError: Error, CustomStringConvertible {
        var line: Int
        var problem: String
        var text: String
        var description: String { "line \(line): \(problem): \(text)" }
    }

    /// Why a sample line is not one; becomes a FormatError with its line number.
    struct SampleProblem: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    private(set) var families: [String: Family] = [:]

    static let types: Set<String> = ["counter", "gauge", "histogram", "summary", "untyped"]

    init(_ text: String) throws {
        guard text.isEmpty || text.hasSuffix("\n") else {
            throw FormatError(line: 0, problem: "the exposition must end with a line feed", text: String(text.suffix(40)))
        }
        var help: [String: String] = [:]
        var current: String?
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            let line = String(rawLine)
            let number = index + 1
            func fail(_ problem: String) -> FormatError { FormatError(line: number, problem: problem, text: line) }
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let words = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
                guard words.count >= 3, words[0] == "#", words[1] == "HELP" || words[1] == "TYPE" else { continue }
                let name = words[2]
                guard Self.isMetricName(name) else { throw fail("not a metric name") }
                if words[1] == "HELP" {
                    guard help[name] == nil else { throw fail("a second HELP for \(name)") }
                    help[name] = words.count > 3 ? try Self.unescapeHelp(words[3]).get() : ""
                    families[name]?.help = help[name]
                } else {
                    guard words.count == 4, Self.types.contains(words[3]) else { throw fail("TYPE must be one of \(Self.types.sorted())") }
                    guard families[name] == nil else { throw fail("a second TYPE for \(name), or a TYPE after its samples") }
                    current = name
                    families[name] = Family(name: name, type: words[3], help: help[name])
                }
                continue
            }
            let sample: Sample
            do {
                sample = try Self.parseSample(line)
            } catch {
                throw fail(error.reason)
            }
            guard let family = family(of: sample.name) else { throw fail("a sample with no TYPE before it") }
            // A family's TYPE is given once, so a sample after another family's TYPE
            // would be a second, separate group of its lines.
            guard current == family else {
                throw fail("a sample of \(family) apart from the rest of its family")
            }
            families[family]?.samples.append(sample)
        }
        for family in families.values where family.type == "histogram" {
            try Self.checkHistogram(family)
        }
    }

    /// The family a sample belongs to: its own name, or a histogram's or summary's base
    /// name for the `_bucket`, `_sum` and `_count` series.
    private func family(of sample: String) -> String? {
        if families[sample] != nil { return sample }
        for suffix in ["_bucket", "_sum", "_count"] where sample.hasSuffix(suffix) {
            let base = String(sample.dropLast(suffix.count))
            guard let family = families[base] else { continue }
            if family.type == "histogram" || (family.type == "summary" && suffix != "_bucket") { return base }
        }
        return nil
    }

    /// The value of the sample named `name` whose labels are exactly `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        families.values.lazy.flatMap(\.samples).first { $0.name == name && $0.labels == labels }?.value
    }

    // MARK: Grammar

    static func isMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_" || first == ":" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" || $0 == ":" }
    }

    static func isLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" }
    }

    private static func parseSample(_ line: String) throws(SampleProblem) -> Sample {
        let scalars = Array(line.unicodeScalars)
        var position = 0
        var name = ""
        while position < scalars.count, scalars[position] != "{", scalars[position] != " " {
            name.unicodeScalars.append(scalars[position])
            position += 1
        }
        guard isMetricName(name) else { throw SampleProblem("not a metric name") }
        var labels: [String: String] = [:]
        if position < scalars.count, scalars[position] == "{" {
            position += 1
            while true {
                guard position < scalars.count else { throw SampleProblem("the label set is not closed") }
                if scalars[position] == "}" { position += 1; break }
                var label = ""
                while position < scalars.count, scalars[position] != "=" {
                    label.unicodeScalars.append(scalars[position])
                    position += 1
                }
                guard isLabelName(label), !label.hasPrefix("__") else { throw SampleProblem("bad label name \"\(label)\"") }
                guard labels[label] == nil else { throw SampleProblem("label \(label) given twice") }
                position += 1
                guard position < scalars.count, scalars[position] == "\"" else { throw SampleProblem("a label value must be quoted") }
                position += 1
                var value = ""
                while true {
                    guard position < scalars.count else { throw SampleProblem("a label value is not closed") }
                    let scalar = scalars[position]
                    position += 1
                    if scalar == "\"" { break }
                    if scalar == "\\" {
                        guard position < scalars.count else { throw SampleProblem("a dangling backslash") }
                        switch scalars[position] {
                        case "\\": value += "\\"
                        case "\"": value += "\""
                        case "n": value += "\n"
                        default: throw SampleProblem("an unknown escape in a label value")
                        }
                        position += 1
                    } else {
                        value.unicodeScalars.append(scalar)
                    }
                }
                labels[label] = value
                guard position < scalars.count else { throw SampleProblem("the label set is not closed") }
                if scalars[position] == "," { position += 1 } else if scalars[position] != "}" {
                    throw SampleProblem("labels must be separated by commas")
                }
            }
        }
        let rest = String(String.UnicodeScalarView(scalars[position...]))
        let fields = rest.split(separator: " ", omittingEmptySubsequences: true)
        guard rest.hasPrefix(" "), (1...2).contains(fields.count) else { throw SampleProblem("expected one space, a value and an optional timestamp") }
        guard let value = parseValue(String(fields[0])) else { throw SampleProblem("not a number: \(fields[0])") }
        if fields.count == 2, Int64(fields[1]) == nil { throw SampleProblem("a timestamp must be whole milliseconds") }
        return Sample(name: name, labels: labels, value: value)
    }

    /// Go's ParseFloat, as Prometheus reads values: decimal and exponent forms, NaN, ±Inf.
    static func parseValue(_ text: String) -> Double? {
        switch text {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default:
            guard text.unicodeScalars.allSatisfy({ $0.isASCIIDigit || "+-.eE".unicodeScalars.contains($0) }) else { return nil }
            return Double(text)
        }
    }

    private static func unescapeHelp(_ text: String) -> Result<String, FormatError> {
        var out = ""
        var escaping = false
        for scalar in text.unicodeScalars {
            if escaping {
                switch scalar {
                case "\\": out += "\\"
                case "n": out += "\n"
                default: return .failure(FormatError(line: 0, problem: "an unknown escape in HELP", text: text))
                }
                escaping = false
            } else if scalar == "\\" {
                escaping = true
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return escaping ? .failure(FormatError(line: 0, problem: "a dangling backslash in HELP", text: text)) : .success(out)
    }

    private static func checkHistogram(_ family: Family) throws {
        func fail(_ problem: String) -> FormatError { FormatError(line: 0, problem: problem, text: family.name) }
        let buckets = family.samples.filter { $0.name == family.name + "_bucket" }
        guard let count = family.samples.first(where: { $0.name == family.name + "_count" })?.value,
              family.samples.contains(where: { $0.name == family.name + "_sum" }) else {
            throw fail("a histogram needs _sum and _count")
        }
        let bounds = try buckets.map { bucket -> (Double, Double) in
            guard let le = bucket.labels["le"], let bound = parseValue(le) else { throw fail("a bucket without a numeric le") }
            return (bound, bucket.value)
        }
        guard bounds.last?.0 == .infinity, bounds.last?.1 == count else { throw fail("the last bucket must be le=\"+Inf\" and equal _count") }
        for (earlier, later) in zip(bounds, bounds.dropFirst()) where !(earlier.0 < later.0 && earlier.1 <= later.1) {
            throw fail("buckets must rise in le and be cumulative")
        }
    }
}

private extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
