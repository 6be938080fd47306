// A small btrfs on a loop device for one test: what `snapshots = btrfs` roots live on.
//
// Never skipped: a machine without root, mkfs.btrfs or a loop mount fails every btrfs test with
// the fix in its message, so CI cannot pass without them (scripts/test installs btrfs-progs).
import Foundation
import Glibc
import Testing

/// A btrfs file system in a sparse image file, loop-mounted at `path` (mode 0755).
///
/// The image is the smallest mkfs.btrfs accepts, rounded up (114294784 bytes with btrfs-progs
/// 6.2): sparse, so it costs the disk only what the test writes. About 0.3 s to make and mount.
public struct BtrfsDisk: Sendable {
  /// The image size in MiB.
  public static let megabytes = 128

  /// The image file.
  public let image: String
  /// The mount point.
  public let path: String

  /// Makes `directory/btrfs.img` and mounts it at `directory/btrfs`; requires (fails the test,
  /// never skips it) root, mkfs.btrfs and a working loop mount.
  public init(in directory: String) throws {
    image = directory + "/btrfs.img"
    path = directory + "/btrfs"
    try #require(
      geteuid() == 0, "btrfs tests loop-mount a file system: run as root (scripts/test as root)")
    try #require(
      FileManager.default.isExecutableFile(atPath: "/usr/sbin/mkfs.btrfs"),
      "btrfs tests need mkfs.btrfs: apt-get install -y btrfs-progs (scripts/test does)")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    let made = try run("/usr/bin/truncate", ["-s", "\(Self.megabytes)M", image])
    try #require(made.status == 0, "truncate: \(made.err)")
    let formatted = try run("/usr/sbin/mkfs.btrfs", ["-q", image])
    try #require(formatted.status == 0, "mkfs.btrfs: \(formatted.err)")
    let mounted = try run("/bin/mount", ["-o", "loop", image, path])
    let mountError = mounted.err.trimmingCharacters(in: .newlines)
    try #require(
      mounted.status == 0,
      "cannot loop-mount a btrfs image (\(mountError)): run as root on a kernel with btrfs and loop devices"
    )
    _ = chmod(path, 0o755)
  }

  /// Fills the file system's free data space with zeros (`DIR/filler`, until ENOSPC), then
  /// syncs, so the next allocation finds none.
  public func fill() throws {
    _ = try run(
      "/bin/sh", ["-c", "head -c 1073741824 /dev/zero > \(path)/filler 2>/dev/null; sync"])
  }

  /// Frees the space `fill()` took and commits that, so the next write finds it.
  public func free() throws {
    unlink(path + "/filler")
    _ = try run("/usr/bin/sync", ["-f", path])
  }

  /// Unmounts it (which detaches the loop device: `mount -o loop` sets autoclear) and removes
  /// the image; a busy mount is detached lazily instead.
  public func remove() {
    if (try? run("/bin/umount", [path]))?.status != 0 {
      _ = try? run("/bin/umount", ["-l", path])
    }
    unlink(image)
  }
}

/// What `btrfs property get -ts PATH ro` says of a subvolume: `ro=true` for a read-only one.
public func btrfsReadOnlyProperty(_ path: String) -> String {
  let got = try? run("/usr/bin/btrfs", ["property", "get", "-ts", path, "ro"])
  return (got?.out ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
}
