// Connection slots: open-file-description locks (fcntl F_OFD_SETLK) on the root's lock file.
//
// Byte 16+i is slot i, held exclusively by a session from its decision to its exit; the
// 256-byte holder record at 4096+256*i names the holder for `pushgate status`. The kernel
// drops every lock when the last descriptor of the open file description closes, i.e. when
// the process dies: there is nothing to clean up. Nothing here unlocks in a deinit.
// Byte 8 is held by an audit log writer while it appends one record (AuditLogFile).
// Each key's area has its own lock file (AreaLock); this one only bounds the whole root.
import CPushgate
import Glibc
import PushgateCore

/// How a byte of a lock file is locked.
public enum LockMode: Sendable {
  /// Shared with other shared holders.
  case shared
  /// Held by one open file description only.
  case exclusive
  /// Released.
  case unlocked

  /// fcntl(2)'s `l_type` for the mode.
  var type: Int32 {
    switch self {
    case .shared: Int32(F_RDLCK)
    case .exclusive: Int32(F_WRLCK)
    case .unlocked: Int32(F_UNLCK)
    }
  }
}

/// One open lock file and the OFD locks of its open file description.
public struct OFDLocks: Sendable {
  /// The open descriptor (O_CLOEXEC); its open file description owns the locks.
  public let fd: Int32

  /// Takes `mode` on byte `offset` without waiting; `false` when someone else holds it.
  public func tryLock(_ mode: LockMode, at offset: Int) throws(SystemError) -> Bool {
    if pg_ofd_lock(fd, mode.type, off_t(offset), 1, 0) == 0 { return true }
    if errno == EAGAIN || errno == EACCES { return false }
    throw .current("fcntl(F_OFD_SETLK)")
  }

  /// Releases byte `offset`.
  public func unlock(at offset: Int) {
    _ = pg_ofd_lock(fd, LockMode.unlocked.type, off_t(offset), 1, 0)
  }

  /// Takes `mode` on byte `offset`, retrying every 50 ms until `deadline` (monotonic ms);
  /// `false` at the deadline, or as soon as a termination signal was caught (``Signals``).
  public func lock(_ mode: LockMode, at offset: Int, until deadline: Int) throws(SystemError)
    -> Bool
  {
    while true {
      if try tryLock(mode, at: offset) { return true }
      if Clock.monotonicMilliseconds() >= deadline || Signals.received != nil { return false }
      Clock.sleep(milliseconds: 50)
    }
  }

  /// Whether another open file description holds byte `offset` (F_OFD_GETLK).
  ///
  /// Our own locks never read as held.
  public func isHeldElsewhere(at offset: Int) -> Bool {
    pg_ofd_getlk(fd, off_t(offset), 1) > 0
  }

  /// Writes a holder record at `offset` (pwrite(2)); best effort, the lock is what counts.
  public func publish(_ record: [UInt8], at offset: Int) {
    _ = record.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
  }

  /// The holder record at `offset` (pread(2)).
  public func record(at offset: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: HolderRecord.size)
    let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
    return Array(bytes.prefix(max(0, count)))
  }
}

/// The root's lock file, open for the life of the process.
public struct LockFile: Sendable {
  /// The locks of our open file description.
  public let locks: OFDLocks
  /// The open descriptor.
  public var fd: Int32 { locks.fd }

  /// Byte 8: held by a writer of the audit log while it appends one record (AuditLogFile).
  public static let auditLogByte = 8

  /// Byte 16+i: slot i.
  public static let firstSlotByte = 16

  /// Opens (or creates, mode 0600) the lock file, and takes group and other access away from
  /// one made before (fchmod(2)): whoever can open it for reading can take read locks on the
  /// slot bytes and so turn every client away as busy.
  public static func open(_ path: String) throws(SystemError) -> LockFile {
    LockFile(
      locks: OFDLocks(
        fd: try TrustedFile.openOwned(path, flags: O_RDWR, mode: 0o600, keepsMode: true)))
  }

  /// Takes the first free of `count` slots, waiting until `deadline`; `nil` if all stay busy,
  /// or as soon as a termination signal was caught (``Signals/received``).
  public func acquireSlot(count: Int, until deadline: Int) throws(SystemError) -> Int? {
    while true {
      for slot in 0..<count where try locks.tryLock(.exclusive, at: Self.firstSlotByte + slot) {
        return slot
      }
      if Clock.monotonicMilliseconds() >= deadline || Signals.received != nil { return nil }
      Clock.sleep(milliseconds: 50)
    }
  }

  /// Writes the holder record of `slot`.
  public func publish(_ record: [UInt8], slot: Int) {
    locks.publish(record, at: HolderRecord.slotOffset(slot))
  }
}
