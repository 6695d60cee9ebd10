extension Settings {
    /// What a SIGHUP reload changed, split into the keys the daemon applies now and the
    /// keys that only take effect after a restart (to be logged as a warning).
    /// `self` is the newly loaded settings, `old` those in force.
    public func liveChanges(from old: Settings) -> (applied: [String], needRestart: [String]) {
        var applied: [String] = []
        var needRestart: [String] = []
        for key in SettingsKey.allCases
            where renderedValue(of: key, revealingSecrets: true) != old.renderedValue(of: key, revealingSecrets: true) {
            if key.isLive {
                applied.append(key.rawValue)
            } else {
                needRestart.append(key.rawValue)
            }
        }
        return (applied, needRestart)
    }
}
