// An area's btrfs snapshot history as root's tools see it: the entries of snapshots/, each
// looked at through a descriptor below the area (never a path the account could redirect),
// and deleted by name below that same descriptor.
import CPushgateAdmin
import Glibc
import PushgateCore
import PushgateSystem

/// The open snapshots/ directory of one area.
public final class BtrfsHistory {
  /// What one entry of snapshots/ is.
  public struct Entry: Equatable, Sendable {
    /// What kind of entry.
    public enum Kind: Equatable, Sendable {
      /// A read-only subvolume: a snapshot as the gate makes it.
      case readOnlySnapshot
      /// A subvolume someone made writable (or made writable from the start).
      case writableSubvolume
      /// Anything else: a plain directory, file, symlink, FIFO.
      case other
    }

    /// The raw name, as readdir(3) gave it.
    public let name: [UInt8]
    /// The kind.
    public let kind: Kind
    /// The owner (fstatat(2) without following).
    public let uid: uid_t
    /// The creation time the name stands for, if it is one the gate writes.
    public var time: Int? { SnapshotName.parse(name) }
  }

  private let fd: Int32
  /// `ROOT/keys/LABEL/snapshots`, for messages.
  public let path: String

  /// Opens `area`'s snapshots/ below its directory, following no symlink on the way.
  public init(_ area: Area) throws(SystemError) {
    let flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK
    let directory = open(area.directory, flags)
    guard directory >= 0 else { throw .current("open '\(area.directory)'") }
    defer { close(directory) }
    let snapshots = openat(directory, "snapshots", flags)
    guard snapshots >= 0 else { throw .current("open '\(area.snapshots)'") }
    fd = snapshots
    path = area.snapshots
  }

  deinit { close(fd) }

  /// Every entry but `.` and `..`, sorted by name as bytes.
  public func entries() throws(SystemError) -> [Entry] {
    let copy = dup(fd)
    guard copy >= 0, let stream = fdopendir(copy) else {
      if copy >= 0 { close(copy) }
      throw .current("opendir '\(path)'")
    }
    defer { closedir(stream) }
    rewinddir(stream)
    var entries: [Entry] = []
    while let entry = readdir(stream) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
      if name == Array(".".utf8) || name == Array("..".utf8) { continue }
      entries.append(look(at: name))
    }
    return entries.sorted { $0.name.lexicographicallyPrecedes($1.name) }
  }

  /// Deletes the snapshot `name` (BTRFS_IOC_SNAP_DESTROY below our descriptor), only if it still
  /// is a read-only subvolume with a snapshot's name.
  public func delete(_ name: [UInt8]) throws(SystemError) {
    guard SnapshotName.parse(name) != nil, look(at: name).kind == .readOnlySnapshot else {
      throw .refused("'\(path)/\(String(decoding: name, as: UTF8.self))' is no longer a snapshot")
    }
    guard pg_btrfs_subvolume_delete(fd, String(decoding: name, as: UTF8.self)) == 0 else {
      throw .current("delete btrfs snapshot '\(path)/\(String(decoding: name, as: UTF8.self))'")
    }
  }

  /// Opens `name` below us without following or blocking, and asks btrfs what it is.
  private func look(at name: [UInt8]) -> Entry {
    let cName = String(decoding: name, as: UTF8.self)
    var info = stat()
    guard fstatat(fd, cName, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
      return Entry(name: name, kind: .other, uid: 0)
    }
    guard info.st_mode & S_IFMT == S_IFDIR, !name.contains(0), name.allSatisfy({ $0 < 0x80 })
    else { return Entry(name: name, kind: .other, uid: info.st_uid) }
    let entry = openat(fd, cName, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
    guard entry >= 0 else { return Entry(name: name, kind: .other, uid: info.st_uid) }
    defer { close(entry) }
    var readOnly: Int32 = 0
    guard Btrfs.isSubvolume(entry), pg_btrfs_is_read_only(entry, &readOnly) == 0 else {
      return Entry(name: name, kind: .other, uid: info.st_uid)
    }
    return Entry(
      name: name, kind: readOnly != 0 ? .readOnlySnapshot : .writableSubvolume, uid: info.st_uid)
  }
}
