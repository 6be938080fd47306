// The files of a key's area the gate reads and writes: whether the area exists, its state
// (pending changes, the time of its last snapshot), and what the gate reads before serving.
//
// Every path is opened without following a symlink; state files are replaced atomically
// (AtomicFile: a new file with O_EXCL, fsync, rename(2)), so a crash leaves the old state or
// the new one.
import Glibc
import PushgateCore

/// The gate's view of an area on disk.
public enum AreaFiles {
  /// Whether `area`'s directory exists and is a directory (lstat(2): a symlink is not).
  public static func exists(_ area: Area) -> Bool {
    var info = stat()
    return lstat(area.directory, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
  }

  /// What the gate needs before serving `key`: its area and rsyncd.conf.
  public static func gateFacts(_ settings: Settings, key: String) -> GateFacts {
    let conf: Result<[UInt8], GateFacts.Unreadable>
    do {
      conf = .success(try TrustedFile.readConfig(settings.rsyncdConf, limit: 1 << 20))
    } catch {
      conf = .failure(GateFacts.Unreadable(error.text))
    }
    return GateFacts(
      areaExists: Gate.isKeyLabel(key) && exists(settings.area(key)), rsyncdConf: conf)
  }

  /// The area's state: a missing pending file is "nothing pending"; one that cannot be
  /// read (or looked at) counts as an incomplete push.
  public static func state(_ area: Area) -> AreaState {
    // Only a pending file that is surely absent (ENOENT) means "nothing pending"; one that
    // exists or cannot be looked at counts as unreadable, i.e. an incomplete push.
    var info = stat()
    let absent = lstat(area.pendingFile, &info) != 0 && errno == ENOENT
    let pending = absent ? nil : TrustedFile.readSmall(area.pendingFile, limit: 64) ?? []
    return AreaState(
      pending: AreaState.parsePending(pending),
      lastSnapshot: TrustedFile.readSmall(area.snapshotTimeFile, limit: 64)
        .flatMap(AreaState.parseSnapshotTime))
  }

  /// Records pending changes (`.none` removes the marker).
  public static func setPending(_ area: Area, _ pending: AreaState.Pending) throws(SystemError) {
    if pending == .none {
      guard unlink(area.pendingFile) == 0 || errno == ENOENT else { throw .current("unlink") }
      return
    }
    try replace(area.pendingFile, with: AreaState.pendingText(pending))
  }

  /// Records a successful snapshot at `time`: its time, and nothing pending.
  public static func recordSnapshot(_ area: Area, at time: Int) throws(SystemError) {
    try replace(area.snapshotTimeFile, with: AreaState.snapshotTimeText(time))
    try setPending(area, .none)
  }

  /// Forgets a complete sync before a new one starts (unlink(2); ENOENT is fine).
  public static func clearSynced(_ area: Area) throws(SystemError) {
    guard unlink(area.syncedFile) == 0 || errno == ENOENT else {
      throw .current("unlink '\(area.syncedFile)'")
    }
  }

  /// Records that snapshots/.sync holds a complete sync that no level has taken yet.
  public static func markSynced(_ area: Area) throws(SystemError) {
    try replace(area.syncedFile, with: Array("complete\n".utf8))
  }

  /// Replaces `path` with `bytes`, mode 0600 (AtomicFile.replace).
  static func replace(_ path: String, with bytes: [UInt8]) throws(SystemError) {
    do {
      try AtomicFile.replace(path: path, bytes: bytes, mode: 0o600)
    } catch {
      throw error.error
    }
  }
}
