// An area's btrfs snapshot history as root's tools see it: the entries of snapshots/, each
// looked at through a descriptor below the area (never a path the account could redirect),
// and deleted by name below that same descriptor.
import CPushgateAdmin
import Glibc
import PushgateAdminCore
import PushgateCore
import PushgateSystem

/// The open snapshots/ directory of one area.
public final class BtrfsHistory {
  private let fd: Int32
  /// `ROOT/keys/LABEL/snapshots`, for messages.
  public let path: String

  /// Opens `area`'s snapshots/ below its directory, following no symlink on the way.
  public init(_ area: Area) throws(SystemError) {
    fd = try Btrfs.openBelow(area, "snapshots")
    path = area.snapshots
  }

  deinit { close(fd) }

  /// Every entry but `.` and `..`, sorted by name as bytes, each looked at below our descriptor.
  public func entries() throws(SystemError) -> [SnapshotEntry] {
    try Btrfs.names(fd).map { SnapshotEntry($0, Btrfs.entryKind(fd, $0)) }
  }

  /// Deletes the snapshot `name` (BTRFS_IOC_SNAP_DESTROY below our descriptor), only if it still
  /// is a read-only subvolume with a snapshot's name.
  public func delete(_ name: [UInt8]) throws(SystemError) {
    let shown = String(decoding: VisibleBytes.render(name).bytes, as: UTF8.self)
    guard SnapshotName.parse(name) != nil, Btrfs.entryKind(fd, name) == .readOnly else {
      throw .refused("'\(path)/\(shown)' is no longer a read-only snapshot")
    }
    guard pg_btrfs_subvolume_delete(fd, String(decoding: name, as: UTF8.self)) == 0 else {
      throw .current("delete btrfs snapshot '\(path)/\(shown)'")
    }
  }
}
