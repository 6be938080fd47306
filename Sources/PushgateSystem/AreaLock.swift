// A key's area lock: one session or one snapshot of the area at a time.
//
// ROOT/keys/LABEL/state/lock, open-file-description locks (fcntl F_OFD_SETLK):
// - byte 0, the area: exclusive, held by a session from before its slot to its exit, by a
//   snapshot (wait mode: the same session; detach mode: the detached process, which inherits
//   the very open file description, so the area is never free between the two), and by
//   `pushgate rotate` while it runs a level;
// - byte 1, the snapshot mark: exclusive while a snapshot or rotate runs, so a session that
//   finds the area busy can say why.
// The holder records (HolderRecord) of the session and of the snapshot sit at 4096 and 2048.
// Another key's area is another file: nothing a key does here can delay another key.
import Glibc
import PushgateCore

/// The open lock file of one area.
public struct AreaLock: Sendable {
  /// The locks of our open file description.
  public let locks: OFDLocks
  /// The open descriptor.
  public var fd: Int32 { locks.fd }

  /// Byte 0: the area.
  public static let areaByte = 0
  /// Byte 1: a snapshot (or rotate) runs.
  public static let snapshotByte = 1
  /// Where the session holder's record starts.
  public static let sessionRecord = HolderRecord.slotOffset(0)

  /// Opens (or creates, mode 0600) `area`'s lock file, never through a symlink.
  public static func open(_ area: Area) throws(SystemError) -> AreaLock {
    AreaLock(locks: OFDLocks(fd: try TrustedFile.openOwned(area.lockFile, flags: O_RDWR, mode: 0o600)))
  }

  /// Adopts descriptor `fd`, inherited from the session that started us, if it is `area`'s
  /// lock file (same device and inode as the path, opened without following a symlink).
  public static func adopt(_ fd: Int32, area: Area) -> AreaLock? {
    let path = Glibc.open(area.lockFile, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
    defer { if path >= 0 { Glibc.close(path) } }
    // open(2) returns the lowest free descriptor: getting `fd` itself means nothing was
    // inherited there (nothing of ours is kept open before this point any more).
    guard path >= 0, path != fd else { return nil }
    var inherited = stat()
    var named = stat()
    guard fstat(fd, &inherited) == 0, fstat(path, &named) == 0,
      inherited.st_dev == named.st_dev, inherited.st_ino == named.st_ino,
      fcntl(fd, F_SETFD, FD_CLOEXEC) == 0
    else { return nil }
    return AreaLock(locks: OFDLocks(fd: fd))
  }

  /// Takes the area, waiting until `deadline` (monotonic ms); `false` if it stays busy.
  public func acquire(until deadline: Int) throws(SystemError) -> Bool {
    try locks.lock(.exclusive, at: Self.areaByte, until: deadline)
  }

  /// Releases the area before exiting (a refusal that still talks to the client).
  public func release() { locks.unlock(at: Self.areaByte) }

  /// Whether a snapshot or rotate holds the area (asked while we do not hold it).
  public var isSnapshotRunning: Bool { locks.isHeldElsewhere(at: Self.snapshotByte) }

  /// Marks the area as being snapshotted; we hold the area, so this never waits.
  public func markSnapshot() throws(SystemError) {
    _ = try locks.lock(.exclusive, at: Self.snapshotByte, until: 0)
  }

  /// Closes the lock file, releasing every lock of this open file description (close(2)).
  public func close() { _ = Glibc.close(fd) }

  /// Writes the session's holder record.
  public func publishSession(_ record: [UInt8]) { locks.publish(record, at: Self.sessionRecord) }

  /// Writes the snapshot's holder record.
  public func publishSnapshot(_ record: [UInt8]) {
    locks.publish(record, at: HolderRecord.snapshotOffset)
  }

  /// Runs a snapshot of `area` while we hold it: marks it (byte 1) and names `holder`, runs
  /// `run` (Spawn.runCapturing: its process group is killed after `timeoutSeconds`) and, when
  /// it succeeds and `isNewSnapshot`, records the area's last snapshot, which clears what was
  /// pending. The gate (a push's snapshot) and `pushgate rotate` both run snapshots this way.
  public func runSnapshot(
    _ run: ProgramRun, of area: Area, holder: [UInt8], timeoutSeconds: Int, isNewSnapshot: Bool
  ) -> AreaSnapshotRun {
    let start = Clock.monotonicMilliseconds()
    var result = AreaSnapshotRun(outcome: .timedOut)
    do {
      try markSnapshot()
      publishSnapshot(holder)
      let ended = try Spawn.runCapturing(run, timeoutSeconds: timeoutSeconds)
      result.tail = ended.tail
      result.outcome = ended.end.map(SnapshotOutcome.ended) ?? .timedOut
    } catch {
      result.outcome = .notStarted(detail: error.text)
    }
    result.milliseconds = Clock.monotonicMilliseconds() - start
    if result.outcome.isSuccess && isNewSnapshot {
      do { try AreaFiles.recordSnapshot(area, at: Clock.now()) } catch {
        result.recordFailure = error
      }
    }
    return result
  }
}

/// How a snapshot run by ``AreaLock/runSnapshot(_:of:holder:timeoutSeconds:isNewSnapshot:)`` went.
public struct AreaSnapshotRun: Sendable {
  /// How rsnapshot ended.
  public var outcome: SnapshotOutcome
  /// The last bytes of its output.
  public var tail: [UInt8] = []
  /// How long it ran.
  public var milliseconds = 0
  /// Why the area's new state could not be recorded after a success, if it could not.
  public var recordFailure: SystemError?
}
