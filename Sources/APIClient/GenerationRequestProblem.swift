/// One thing wrong with what `submit` was given, naming the flag to fix.
public struct GenerationRequestProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: GenerationRequestField
    /// What is wrong and what is allowed, without the flag: "is empty; give the text of the video".
    public var message: String

    public init(_ field: GenerationRequestField, _ message: String) {
        self.field = field
        self.message = message
    }

    /// `--prompt is empty; ...`.
    public var description: String { "\(field.flag) \(message)" }
}
