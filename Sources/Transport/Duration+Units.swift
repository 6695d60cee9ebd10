extension Duration {
    /// The duration in seconds, for timers and deadlines built on ``MonotonicClock``.
    public var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }

    /// Whole milliseconds, rounded up (a timeout is never cut short) and saturated to
    /// what a socket timeout takes.
    public var milliseconds: Int32 {
        Int32(clamping: Int64((seconds * 1000).rounded(.up)))
    }
}
