import TestSupport

extension TemporaryDirectory {
    /// Where a test's ledger goes in the folder.
    var ledgerPath: String { file("ledger.sqlite") }
}
