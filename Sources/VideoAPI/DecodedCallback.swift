/// What a callback body turned out to be, and so how the intake answers it.
///
/// - `task`: a task the daemon understands. Record it; answer 2xx once committed.
/// - `unrecognized`: JSON, harmless, but not a task the daemon understands (no id, an
///   unknown or non-string status, results of another shape, completed with no video).
///   Store it, answer 2xx once stored, log a warning: a 4xx would only make the API
///   retry the same body, and the stored copy lets an operator recover it.
/// - `hostile`: not JSON, not an object, or carrying a value the daemon must never act
///   on (an id that is not safe as a file name, a result that is not an http(s) URL).
///   Answer 400 with `param` naming the field; keep the body, cut, with the reason.
public enum DecodedCallback: Sendable, Hashable {
    case task(ValidatedTask)
    case unrecognized(reason: String)
    case hostile(reason: String, param: String)
}
