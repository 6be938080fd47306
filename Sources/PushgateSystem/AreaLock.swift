// A key's area lock: one session or one snapshot of the area at a time.
//
// ROOT/keys/LABEL/state/lock, open-file-description locks (fcntl F_OFD_SETLK):
// - byte 0, the area: exclusive, held by a session from before its slot to its exit, by a
//   snapshot (wait mode: the same session; detach mode: the detached process, which inherits
//   the very open file description, so the area is never free between the two), and by
//   `pushgate rotate` while it runs a level;
// - byte 1, the snapshot mark: exclusive while a snapshot or rotate runs, so a session that
//   finds the area busy can say why.
// rsnapshot inherits the descriptor as its fd 3 (and its rsyncs, cp and rm from it), so the
// area stays locked until the last process of a snapshot is gone, whoever is killed first.
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
    AreaLock(
      locks: OFDLocks(fd: try TrustedFile.openOwned(area.lockFile, flags: O_RDWR, mode: 0o600)))
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

  /// Runs a snapshot of `area` while we hold it: marks it (byte 1) and names `holder`, then runs
  /// `sync` (when given: the lowest level's `rsnapshot sync`) and, only if it exited 0, `level`
  /// (Spawn.runCapturing: each in its own process group, killed when the whole `timeoutSeconds`
  /// have passed).
  ///
  /// A sync that did not complete never reaches the level, so the history stays as it was.
  /// `state/synced` is removed before the sync, written after its 0 and removed once the level
  /// succeeded. When the level succeeds and `isNewSnapshot`, the area's last snapshot is recorded,
  /// which clears what was pending.
  ///
  /// Every step gets our lock's open file description as its descriptor 3: rsnapshot and
  /// everything it starts (rsync, cp, rm) hold the area until the last of them exits, whoever
  /// of us or them is killed first (the lock goes with the last descriptor).
  public func runSnapshot(
    sync: ProgramRun?, level: ProgramRun, of area: Area, holder: [UInt8], timeoutSeconds: Int,
    isNewSnapshot: Bool
  ) -> AreaSnapshotRun {
    let start = Clock.monotonicMilliseconds()
    var result = runSteps(
      sync: sync, level: level, of: area, holder: holder, until: start + timeoutSeconds * 1000,
      isNewSnapshot: isNewSnapshot)
    result.milliseconds = Clock.monotonicMilliseconds() - start
    return result
  }

  /// Takes a btrfs snapshot of `area` while we hold it: marks it (byte 1) and names `holder`,
  /// makes the read-only snapshot (BtrfsSnapshot, one ioctl) and records its time, which clears
  /// what was pending.
  ///
  /// Nothing to kill and no timeout: the ioctl returns once the kernel committed the snapshot,
  /// or failed with nothing made.
  public func runBtrfsSnapshot(of area: Area, holder: [UInt8]) -> AreaSnapshotRun {
    let start = Clock.monotonicMilliseconds()
    var result = AreaSnapshotRun(outcome: .timedOut)
    do { try markSnapshot() } catch {
      result.outcome = .notStarted(detail: error.text)
      return result
    }
    publishSnapshot(holder)
    do {
      let made = try BtrfsSnapshot.create(area, at: Clock.now)
      result.outcome = .created(name: made.name)
      do { try AreaFiles.recordSnapshot(area, at: made.time) } catch {
        result.recordFailure = error
      }
    } catch {
      result.outcome = .refused(detail: error.text)
    }
    result.milliseconds = Clock.monotonicMilliseconds() - start
    return result
  }

  /// The steps of ``runSnapshot(sync:level:of:holder:timeoutSeconds:isNewSnapshot:)``, until
  /// `deadline` (monotonic ms).
  private func runSteps(
    sync: ProgramRun?, level: ProgramRun, of area: Area, holder: [UInt8], until deadline: Int,
    isNewSnapshot: Bool
  ) -> AreaSnapshotRun {
    var result = AreaSnapshotRun(outcome: .timedOut)
    do {
      try markSnapshot()
    } catch {
      result.outcome = .notStarted(detail: error.text)
      return result
    }
    publishSnapshot(holder)
    if let sync {
      // A marker that cannot be removed could outlive a sync cut short: do not start.
      do { try AreaFiles.clearSynced(area) } catch {
        result.outcome = .syncFailed(.notStarted(detail: error.text))
        return result
      }
      let synced = runStep(sync, until: deadline, tail: &result.tail)
      guard synced == .ended(.exited(0)) else {
        result.outcome = .syncFailed(synced)
        return result
      }
      do { try AreaFiles.markSynced(area) } catch { result.recordFailure = error }
    }
    result.outcome = runStep(level, until: deadline, tail: &result.tail)
    guard result.outcome.isSuccess else { return result }
    if sync != nil {
      do { try AreaFiles.clearSynced(area) } catch {
        result.recordFailure = result.recordFailure ?? error
      }
    }
    if isNewSnapshot {
      do { try AreaFiles.recordSnapshot(area, at: Clock.now()) } catch {
        result.recordFailure = result.recordFailure ?? error
      }
    }
    return result
  }

  /// Runs one step of a snapshot with what is left until `deadline` (at least a second),
  /// appending its output to `tail`.
  private func runStep(_ run: ProgramRun, until deadline: Int, tail: inout [UInt8])
    -> SnapshotOutcome
  {
    let limit = 2048
    let remaining = max(1, (deadline - Clock.monotonicMilliseconds() + 999) / 1000)
    do {
      let ended = try Spawn.runCapturing(
        run, timeoutSeconds: remaining, tailLimit: limit, inherited: fd)
      tail += ended.tail
      if tail.count > limit { tail.removeFirst(tail.count - limit) }
      return ended.end.map(SnapshotOutcome.ended) ?? .timedOut
    } catch {
      return .notStarted(detail: error.text)
    }
  }
}

/// How a snapshot run by
/// ``AreaLock/runSnapshot(sync:level:of:holder:timeoutSeconds:isNewSnapshot:)`` went.
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
