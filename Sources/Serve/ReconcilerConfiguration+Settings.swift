import Ledger
import Reconciler
import Settings
import Transport

extension ReconcilerConfiguration {
    /// The production timings, with the grace from `api.reconcile_grace`: for `serve`
    /// and for `videohookd reconcile`, which must ask on the same schedule.
    public init(settings: Settings) {
        self.init(schedule: TaskCheckSchedule(grace: settings.api.reconcileGrace.seconds))
    }
}
