// The slot holders published for monitoring: ROOT/pushgate.holders (Settings.holdersFile),
// group-readable, beside the lock file, which stays 0600.
//
// Same layout as the lock file: byte 16+i is slot i's live mark, the 256-byte holder record
// at 4096+256*i names the holder. A session that holds slot i in the lock file takes an
// exclusive open-file-description lock on byte 16+i here *without waiting* and writes its
// record. A reader (who can open the file read-only and so take read locks) can only keep a
// session from marking itself: the session is served all the same, and only that reader's
// own view misses it. `pushgate status` counts a slot live only when byte 16+i is held
// exclusively (F_OFD_GETLK), so a reader's read locks never read as holders.
import Glibc
import PushgateCore

/// The holders file, as the gate publishes into it.
public enum HoldersFile {
  /// The mode a new holders file gets (fchmod(2), whatever the umask), and the most an existing
  /// one of ours keeps.
  public static let mode: mode_t = 0o640

  /// Marks `slot` as held by `record` in the holders file at `path`: creates it if needed (O_CREAT
  /// | O_EXCL, then fchmod 0640), opens it with TrustedFile.openOwned (O_NOFOLLOW, O_CLOEXEC,
  /// O_NONBLOCK; a regular file owned by us or root, not writable by others), takes byte 16+slot
  /// without waiting and writes the record.
  ///
  /// Best effort: returns whether the slot is published; nothing here ever waits or stops a
  /// session. The descriptor stays open (and the mark held) until the process exits.
  @discardableResult
  public static func publish(_ record: [UInt8], slot: Int, path: String) -> Bool {
    let created = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, mode)
    if created >= 0 {
      _ = fchmod(created, mode)
      close(created)
    }
    guard let fd = try? TrustedFile.openOwned(path, flags: O_RDWR, mode: mode, keepsMode: true)
    else { return false }
    let locks = OFDLocks(fd: fd)
    guard (try? locks.tryLock(.exclusive, at: LockFile.firstSlotByte + slot)) == true else {
      close(fd)
      return false
    }
    locks.publish(record, at: HolderRecord.slotOffset(slot))
    return true
  }
}
