import CLinux
import Glibc

extension ArchiveFileSystem {
    /// The unit `releaseBytes` frees: a range's blocks that lie only partly in it are
    /// zeroed there but stay allocated, so callers release whole pages (which cover the
    /// 512- and 4096-byte blocks of common file systems).
    public static let releaseAlignment: Int64 = 4096

    /// Gives the disk blocks under `length` bytes at `offset` of the open file `fd` back to
    /// the file system (`fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)`): the
    /// range reads as zeros from then on, and the file keeps its length. `fd` must be open
    /// for writing. The bucket archive releases each part of a partial file once the
    /// bucket holds it and the ledger has recorded it, so that a long video holds little
    /// of the disk while it uploads.
    ///
    /// Returns false when the file system cannot punch holes (EOPNOTSUPP, ENOSYS): the
    /// bytes stay as they were, and the caller keeps the whole file. Throws for anything
    /// else (EIO, a descriptor not open for writing).
    public static func releaseBytes(fd: Int32, path: String, offset: Int64, length: Int64) throws(ArchiveError) -> Bool {
        guard length > 0 else { return true }
        while fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off_t(offset), off_t(length)) != 0 {
            switch errno {
            case EINTR: continue
            case EOPNOTSUPP, ENOSYS: return false
            default: throw ArchiveError("release \(length) bytes at \(offset) of", path: path)
            }
        }
        return true
    }
}
