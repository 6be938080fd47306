// A small ext4 file system on a loop device, made and mounted by a test (root only).
import Foundation
import Glibc
import TestSupport

/// Whether a loop-mounted ext4 can be made here (root, mkfs.ext4, a loop device); says so
/// loudly when not, so a skipped full-disk test is never silent.
let canMountLoopExt4: Bool = {
  guard geteuid() == 0 else {
    FileHandle.standardError.write(Data("SKIPPING: full-disk tests need root (loop mount)\n".utf8))
    return false
  }
  guard let probe = try? LoopDisk(megabytes: 4) else {
    FileHandle.standardError.write(
      Data("SKIPPING: cannot make and loop-mount an ext4 file system here\n".utf8))
    return false
  }
  probe.remove()
  return true
}()

/// An ext4 file system (4 KiB blocks, no blocks reserved for root) mounted at `path`.
struct LoopDisk {
  let directory: TemporaryDirectory
  let path: String

  init(megabytes: Int, at mountPoint: String? = nil) throws {
    directory = try TemporaryDirectory()
    let image = directory.path + "/image"
    let point = mountPoint ?? directory.path + "/mnt"
    path = point
    try FileManager.default.createDirectory(atPath: point, withIntermediateDirectories: true)
    guard try run("/usr/bin/truncate", ["-s", "\(megabytes)M", image]).status == 0,
      try run("/usr/sbin/mkfs.ext4", ["-q", "-F", "-b", "4096", "-m", "0", image]).status == 0,
      try run("/bin/mount", ["-o", "loop", image, point]).status == 0
    else {
      directory.remove()
      throw CocoaError(.fileWriteUnknown)
    }
    _ = chmod(point, 0o700)
    try? FileManager.default.removeItem(atPath: point + "/lost+found")
  }

  /// Fills every free block with `filler` (the write stops with ENOSPC, which is the point).
  func fill() throws {
    _ = try run(
      "/bin/sh", ["-c", "head -c 1073741824 /dev/zero > \(path)/filler 2>/dev/null; sync"])
  }

  /// Frees the space `fill()` took.
  func free() { unlink(path + "/filler") }

  func remove() {
    _ = try? run("/bin/umount", ["-l", path])
    directory.remove()
  }
}
