/// Redraws one line in place with a carriage return and nothing else: the new text,
/// then spaces over what the longer previous text left, never past `width - 1`.
struct RedrawnLine {
    /// Characters on the line now.
    private var shown = 0

    mutating func redraw(_ text: String, width: Int) -> String {
        let leftover = min(max(shown - text.count, 0), max(width - 1 - text.count, 0))
        shown = text.count
        return "\r" + text + String(repeating: " ", count: leftover)
    }

    /// Leaves the line as it is and moves below it.
    mutating func end() -> String {
        shown = 0
        return "\n"
    }
}
