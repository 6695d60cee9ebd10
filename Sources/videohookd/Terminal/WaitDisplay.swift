/// Where `submit --wait` shows how the task gets on: ``TerminalWaitDisplay`` on a
/// terminal, ``PlainWaitDisplay`` anywhere else.
protocol WaitDisplay {
    /// The task as it is now; called at every poll.
    mutating func show(_ progress: WaitProgress)
    /// The wait is over (the task ended, or the wait stopped): the last state is left
    /// on the screen, and the final line, when the video is archived, says where.
    mutating func finish(_ progress: WaitProgress)
}
