// Reads which locks of the lock file are held, and the holder records, without taking any.
//
// The probe opens the lock file read-only and never locks: fcntl(F_OFD_GETLK) only reports a
// conflicting lock, so `pushgate status` needs read access to the file, not root, and cannot
// disturb a session. Holder records are read with pread(2); they are meaningful only while
// the matching lock is held.
import CPushgate
import Glibc
import PushgateCore

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

  /// Every slot and the snapshot, as `pushgate status` shows them.
  public func view(slots count: Int) throws(SystemError) -> LockView {
    var slots: [SlotState] = []
    for slot in 0..<count {
      let offset = LockFile.firstSlotByte + slot
      let held = try hold(at: offset) != .free
      slots.append(
        SlotState(
          slot: slot,
          holder: held ? Holder(record: record(at: HolderRecord.slotOffset(slot))) : nil))
    }
    let snapshot: SnapshotState
    if try hold(at: LockFile.treeByte) == .exclusive {
      snapshot = .running(Holder(record: record(at: HolderRecord.snapshotOffset)))
    } else if try hold(at: LockFile.gateByte) == .exclusive {
      snapshot = .waiting
    } else {
      snapshot = .idle
    }
    return LockView(slots: slots, snapshot: snapshot)
  }

  /// Closes the descriptor (close(2)).
  public func close() { _ = Glibc.close(fd) }
}

extension LockFile {
  /// Byte 0: the gate.
  static let gateByte = Int(gate)
  /// Byte 1: the tree.
  static let treeByte = Int(tree)
  /// Byte 16: slot 0.
  static let firstSlotByte = Int(firstSlot)
}
