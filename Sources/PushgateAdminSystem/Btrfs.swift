// The btrfs engine's syscalls on root's side: which file system a path is on, the incoming/
// subvolume authorize creates, and the snapshots rotate reads and deletes (CPushgateAdmin).
//
// incoming/, snapshots/ and every entry in it are the backup account's: each is opened below a
// descriptor of its parent with O_NOFOLLOW (and an entry only once fstatat(2) says it is a
// directory, with O_DIRECTORY and O_NONBLOCK), and judged on the open descriptor.
import CPushgateAdmin
import Glibc
import PushgateAdminCore
import PushgateCore
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

  /// Whether `area`'s incoming/ is a subvolume (opened below the area without following a
  /// symlink; BTRFS_FIRST_FREE_OBJECTID and fstatfs(2) on the descriptor).
  public static func incoming(of area: Area) -> DoctorSubvolume {
    do {
      let fd = try openBelow(area, "incoming")
      defer { close(fd) }
      return isSubvolume(fd) ? .subvolume : .plainDirectory
    } catch {
      return .unknown(error.reason)
    }
  }

  /// The names in `area`'s snapshots/, sorted as bytes (fdopendir(3), readdir(3)).
  public static func snapshotNames(of area: Area) throws(SystemError) -> [[UInt8]] {
    let fd = try openBelow(area, "snapshots")
    defer { close(fd) }
    return try names(fd)
  }

  /// Each entry of `area`'s snapshots/ and what it is: a read-only or writable subvolume
  /// (BTRFS_IOC_SUBVOL_GETFLAGS), or something else.
  public static func snapshotEntries(of area: Area) throws(SystemError) -> [SnapshotEntry] {
    try BtrfsHistory(area).entries()
  }

  /// What the entry `name` of the directory open as `directory` is; only a directory is opened.
  static func entryKind(_ directory: Int32, _ name: [UInt8]) -> SnapshotEntry.Kind {
    let path = name.map { CChar(bitPattern: $0) } + [0]
    var info = stat()
    guard fstatat(directory, path, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
      return .unknown(SystemError.current("fstatat").reason)
    }
    guard info.st_mode & S_IFMT == S_IFDIR else { return .notSubvolume }
    let fd = openat(directory, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else { return .unknown(SystemError.current("open").reason) }
    defer { close(fd) }
    guard isSubvolume(fd) else { return .notSubvolume }
    var readOnly: Int32 = 0
    guard pg_btrfs_is_read_only(fd, &readOnly) == 0 else {
      return .unknown(SystemError.current("BTRFS_IOC_SUBVOL_GETFLAGS").reason)
    }
    return readOnly != 0 ? .readOnly : .writable
  }

  /// The directory `name` of `area`, opened below the area's directory without following a
  /// symlink in either.
  static func openBelow(_ area: Area, _ name: String) throws(SystemError) -> Int32 {
    let flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC
    let parent = open(area.directory, flags)
    guard parent >= 0 else { throw .current("open '\(area.directory)'") }
    defer { close(parent) }
    let fd = openat(parent, name, flags)
    guard fd >= 0 else { throw .current("open '\(area.directory)/\(name)'") }
    return fd
  }

  /// The names in the directory open as `fd` but `.` and `..`, sorted as bytes; `fd` stays open.
  static func names(_ fd: Int32) throws(SystemError) -> [[UInt8]] {
    let copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)
    guard copy >= 0 else { throw .current("dup") }
    guard let stream = fdopendir(copy) else {
      let error = SystemError.current("fdopendir")
      close(copy)
      throw error
    }
    defer { closedir(stream) }
    var names: [[UInt8]] = []
    while let entry = readdir(stream) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
      if name != [0x2E] && name != [0x2E, 0x2E] { names.append(name) }
    }
    return names.sorted { $0.lexicographicallyPrecedes($1) }
  }

  /// The kernel's table of mounts as this process sees them (/proc/self/mountinfo, read whole;
  /// procfs reports no size, so it is read until end of file, at most 4 MiB).
  public static func mountInfo() throws(SystemError) -> String {
    let fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw .current("open '/proc/self/mountinfo'") }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while bytes.count < 4 << 20 {
      let count = read(fd, &buffer, buffer.count)
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else { throw .current("read '/proc/self/mountinfo'") }
      if count == 0 { break }
      bytes += buffer[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
