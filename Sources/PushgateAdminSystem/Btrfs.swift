// The btrfs engine's syscalls on root's side: which file system a path is on, the incoming/
// subvolume authorize creates, and the snapshots rotate reads and deletes (CPushgateAdmin).
import CPushgateAdmin
import Glibc
import PushgateSystem

/// btrfs as root's tools see it.
public enum Btrfs {
  /// Whether `path`, or its nearest existing ancestor when it does not exist yet, is on btrfs;
  /// with the file system's name as statfs(2) tells it otherwise (such as `ext4` or `0x…`).
  public static func fileSystem(of path: String) -> (isBtrfs: Bool, name: String) {
    var candidate = path
    var magic: Int64 = 0
    while pg_fs_type(candidate, &magic) != 0 {
      guard errno == ENOENT, let slash = candidate.lastIndex(of: "/"), candidate != "/" else {
        return (false, "unknown (\(SystemError.current("statfs").text))")
      }
      candidate = slash == candidate.startIndex ? "/" : String(candidate[..<slash])
    }
    if magic == pg_btrfs_magic() { return (true, "btrfs") }
    let known: [Int64: String] = [
      0xEF53: "ext2/ext3/ext4", 0x5846_5342: "xfs", 0x0102_1994: "tmpfs", 0x794C_7630: "overlayfs",
      0x2FC1_2FC1: "zfs", 0x6969: "nfs",
    ]
    return (false, known[magic] ?? "0x" + String(magic, radix: 16))
  }

  /// Creates the subvolume `path` (its parent opened without following a symlink).
  public static func createSubvolume(_ path: String) throws(SystemError) {
    guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else {
      throw .refused("'\(path)' has no parent directory")
    }
    let parentPath = String(path[..<slash])
    let parent = open(parentPath, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard parent >= 0 else { throw .current("open '\(parentPath)'") }
    defer { close(parent) }
    guard pg_btrfs_subvolume_create(parent, String(path[path.index(after: slash)...])) == 0 else {
      throw .current("create btrfs subvolume '\(path)'")
    }
  }

  /// Whether the directory open as `fd` is the root of a btrfs subvolume.
  public static func isSubvolume(_ fd: Int32) -> Bool {
    var info = stat()
    var magic: Int64 = 0
    return fstat(fd, &info) == 0 && UInt64(info.st_ino) == pg_btrfs_subvolume_inode()
      && pg_fd_fs_type(fd, &magic) == 0 && magic == pg_btrfs_magic()
  }

  /// Whether `path` is the root of a btrfs subvolume (opened without following a symlink).
  public static func isSubvolume(_ path: String) -> Bool {
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    return isSubvolume(fd)
  }
}
