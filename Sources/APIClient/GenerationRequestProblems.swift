/// Every problem with a `submit` command line, one per line.
public struct GenerationRequestProblems: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [GenerationRequestProblem]

    public init(_ problems: [GenerationRequestProblem]) {
        self.problems = problems
    }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
