/// What ``Ledger/beginObjectUpload(taskID:bucket:key:uploadID:partSize:bytesTotal:now:)``
/// found: a new upload recorded, or the one the ledger already held for this task and
/// object (after a restart). On `.resumed` the caller carries on with the stored upload
/// id; an upload id it created meanwhile is a stray to abort.
public enum ObjectUploadStart: Sendable, Equatable {
    case created(ObjectUploadRecord)
    case resumed(ObjectUploadRecord)

    public var upload: ObjectUploadRecord {
        switch self {
        case .created(let upload), .resumed(let upload): upload
        }
    }
}
