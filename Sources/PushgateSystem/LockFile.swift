// Slots and the tree lock: open-file-description locks (fcntl F_OFD_SETLK) on one lock file.
//
// Byte 0 is the gate, byte 1 the tree, byte 16+i slot i. A push holds its slot for the whole
// session and a shared tree lock while rsync runs; a snapshot holds the gate and the tree
// exclusively, so no push writes while it runs, and a waiting snapshot (holding the gate)
// keeps new pushes out, so it cannot be starved. The kernel drops every lock when the last
// descriptor of the open file description closes, i.e. when the process dies: there is
// nothing to clean up. Nothing here unlocks in a deinit.
import CPushgate
import Glibc
import PushgateCore

/// The lock file of a backup root, open for the life of the process.
public struct LockFile: Sendable {
  /// The open descriptor (O_CLOEXEC); its open file description owns the locks.
  public let fd: Int32

  static let gate: off_t = 0
  static let tree: off_t = 1
  static let firstSlot: off_t = 16

  /// Opens (or creates, mode 0640) the lock file.
  public static func open(_ path: String) throws(SystemError) -> LockFile {
    LockFile(fd: try TrustedFile.openOwned(path, flags: O_RDWR, mode: 0o640))
  }

  private func tryLock(_ type: Int32, at offset: off_t) throws(SystemError) -> Bool {
    if pg_ofd_lock(fd, type, offset, 1, 0) == 0 { return true }
    if errno == EAGAIN || errno == EACCES { return false }
    throw .current("fcntl(F_OFD_SETLK)")
  }

  private func unlock(at offset: off_t) {
    _ = pg_ofd_lock(fd, 2, offset, 1, 0)
  }

  /// Retries `attempt` every 50 ms until it succeeds or `deadline` (monotonic ms) passes.
  private func retrying(until deadline: Int, _ attempt: () throws(SystemError) -> Bool)
    throws(SystemError) -> Bool
  {
    while true {
      if try attempt() { return true }
      if Clock.monotonicMilliseconds() >= deadline { return false }
      Clock.sleep(milliseconds: 50)
    }
  }

  /// Takes the first free of `count` slots, waiting until `deadline`; `nil` if all stay busy.
  public func acquireSlot(count: Int, until deadline: Int) throws(SystemError) -> Int? {
    var taken: Int?
    _ = try retrying(until: deadline) { () throws(SystemError) -> Bool in
      for slot in 0..<count where try tryLock(1, at: Self.firstSlot + off_t(slot)) {
        taken = slot
        return true
      }
      return false
    }
    return taken
  }

  /// Writes a holder record at `offset` (pwrite(2)); best effort, the lock is what counts.
  public func publish(_ record: [UInt8], at offset: Int) {
    _ = record.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
  }

  /// The sessions holding the other slots right now (F_OFD_GETLK, then their holder records).
  /// Our own slot reads as free: a lock never conflicts with its own open file description.
  public func otherLiveSessions(slots count: Int) -> Set<String> {
    var sessions = Set<String>()
    for slot in 0..<count where pg_ofd_getlk(fd, Self.firstSlot + off_t(slot), 1) > 0 {
      var record = [UInt8](repeating: 0, count: HolderRecord.size)
      let read = record.withUnsafeMutableBytes {
        pread(fd, $0.baseAddress, $0.count, off_t(HolderRecord.slotOffset(slot)))
      }
      if read > 0, let session = AuditEntry(record.prefix(read))?.session { sessions.insert(session) }
    }
    return sessions
  }

  /// Releases a slot before the process ends (a refusal that still talks to the client).
  public func releaseSlot(_ slot: Int) { unlock(at: Self.firstSlot + off_t(slot)) }

  /// Takes the tree for writing (shared with other pushes) unless a snapshot holds or waits
  /// for it; waits until `deadline`.
  public func shareTree(until deadline: Int) throws(SystemError) -> Bool {
    try retrying(until: deadline) { () throws(SystemError) -> Bool in
      guard try tryLock(0, at: Self.gate) else { return false }
      defer { unlock(at: Self.gate) }
      return try tryLock(0, at: Self.tree)
    }
  }

  /// Releases the shared tree lock.
  public func releaseTree() { unlock(at: Self.tree) }

  /// Takes the gate, then waits for running pushes to end and takes the tree exclusively.
  public func holdTreeExclusively(until deadline: Int) throws(SystemError) -> Bool {
    guard try retrying(until: deadline, { () throws(SystemError) -> Bool in try tryLock(1, at: Self.gate) }) else {
      return false
    }
    if try retrying(until: deadline, { () throws(SystemError) -> Bool in try tryLock(1, at: Self.tree) }) {
      return true
    }
    unlock(at: Self.gate)
    return false
  }
}
