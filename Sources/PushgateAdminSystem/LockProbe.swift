// Reads which locks of a lock file (the root's, or an area's) are held, and the holder
// records, without taking any.
//
// The probe opens the lock file read-only and never locks: fcntl(F_OFD_GETLK) only reports a
// conflicting lock, so `pushgate status` needs read access to the file, not root, and cannot
// disturb a session. Holder records are read with pread(2); they are meaningful only while
// the matching lock is held.
import CPushgate
import Glibc
import PushgateAdminCore
import PushgateCore
import PushgateSystem

/// A read-only view of a lock file's locks and holder records.
public struct LockProbe: Sendable {
  /// The read-only descriptor (O_RDONLY | O_NOFOLLOW | O_CLOEXEC).
  public let fd: Int32

  /// How a byte of the lock file is held.
  public enum Hold: Equatable, Sendable {
    /// No lock.
    case free
    /// One or more shared (read) locks.
    case shared
    /// An exclusive (write) lock.
    case exclusive
  }

  /// Opens `path` for reading (open(2) with O_RDONLY | O_NOFOLLOW | O_CLOEXEC); never creates it.
  public static func open(_ path: String) throws(SystemError) -> LockProbe {
    let fd = Glibc.open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { throw .current("open") }
    return LockProbe(fd: fd)
  }

  /// How byte `offset` is held (fcntl F_OFD_GETLK).
  public func hold(at offset: Int) throws(SystemError) -> Hold {
    switch pg_ofd_getlk(fd, off_t(offset), 1) {
    case 0: return .free
    case 1: return .shared
    case 2: return .exclusive
    default: throw .current("fcntl(F_OFD_GETLK)")
    }
  }

  /// The `HolderRecord.size` bytes at `offset` (pread(2)); fewer at the end of the file.
  public func record(at offset: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: HolderRecord.size)
    let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
    return Array(bytes.prefix(max(0, count)))
  }

  /// Every slot of the root's lock file, as `pushgate status` shows them.
  public func view(slots count: Int) throws(SystemError) -> LockView {
    var slots: [SlotState] = []
    for slot in 0..<count {
      let held = try hold(at: LockFile.firstSlotByte + slot) != .free
      slots.append(
        SlotState(
          slot: slot,
          holder: held ? Holder(record: record(at: HolderRecord.slotOffset(slot))) : nil))
    }
    return LockView(slots: slots)
  }

  /// Every slot as the holders file (Settings.holdersFile) publishes them: a slot is live only
  /// while byte 16+i is held exclusively, by the session that holds slot i; a reader's read
  /// locks there never read as a holder.
  public func holdersView(slots count: Int) throws(SystemError) -> LockView {
    var slots: [SlotState] = []
    for slot in 0..<count {
      let live = try hold(at: LockFile.firstSlotByte + slot) == .exclusive
      slots.append(
        SlotState(
          slot: slot,
          holder: live ? Holder(record: record(at: HolderRecord.slotOffset(slot))) : nil))
    }
    return LockView(slots: slots)
  }

  /// What an area's lock file says: a snapshot or rotation runs (byte 1), a session holds the area
  /// (byte 0), or nothing does.
  ///
  /// Holder records are not read: `pushgate rotate` writes none, so the snapshot record may be an
  /// older holder's.
  public func areaView() throws(SystemError) -> AreaActivity {
    if try hold(at: AreaLock.snapshotByte) != .free { return .snapshot }
    if try hold(at: AreaLock.areaByte) != .free { return .session }
    return .idle
  }

  /// Closes the descriptor (close(2)).
  public func close() { _ = Glibc.close(fd) }
}
