// The btrfs engine's one syscall: a read-only snapshot of a key's incoming/ subvolume.
import CPushgate
import Glibc
import PushgateCore

/// Makes the snapshots of the btrfs engine.
public enum BtrfsSnapshot {
  /// Snapshots `area`'s incoming/ read-only into its snapshots/, named by `time` (UTC), and
  /// returns the name.
  ///
  /// Each directory is opened below the area without following a symlink; the snapshot is one
  /// ioctl, whole or absent. A name already taken (two snapshots in one second) waits for the
  /// next second, once.
  public static func create(_ area: Area, at time: () -> Int) throws(SystemError) -> (
    name: String, time: Int
  ) {
    let flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
    let directory = Glibc.open(area.directory, flags)
    guard directory >= 0 else { throw .current("open '\(area.directory)'") }
    defer { close(directory) }
    let source = openat(directory, "incoming", flags)
    guard source >= 0 else { throw .current("open '\(area.incoming)'") }
    defer { close(source) }
    let snapshots = openat(directory, "snapshots", flags)
    guard snapshots >= 0 else { throw .current("open '\(area.snapshots)'") }
    defer { close(snapshots) }
    var attempt = 0
    while true {
      let now = time()
      let name = SnapshotName.render(now)
      if pg_btrfs_snapshot(source, snapshots, name) == 0 { return (name, now) }
      guard errno == EEXIST, attempt == 0 else {
        throw .current("btrfs snapshot '\(area.snapshots)/\(name)'")
      }
      attempt += 1
      // At most 2 s, should the clock step back meanwhile.
      for _ in 0..<40 where time() <= now { Clock.sleep(milliseconds: 50) }
    }
  }
}
