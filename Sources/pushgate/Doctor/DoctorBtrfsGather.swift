// Gathers what doctor checks of the btrfs engine: ROOT's file system and mount, and per area
// incoming/ and the entries of snapshots/ (Btrfs, which opens nothing through a symlink).
import PushgateAdminCore
import PushgateAdminSystem
import PushgateCore
import PushgateSystem

extension DoctorGather {
  /// ROOT's file system (statfs(2)), the mount that holds its resolved path (mountinfo), and
  /// each area's incoming/ and snapshots/.
  static func btrfs(_ settings: Settings, labels: [String]) -> DoctorBtrfs {
    let found = Btrfs.fileSystem(of: settings.root)
    var facts = DoctorBtrfs(
      isBtrfs: found.isBtrfs, fileSystem: found.name, mount: mount(settings.root))
    facts.now = Clock.now()
    guard found.isBtrfs else { return facts }
    for label in labels {
      let area = settings.area(label)
      let snapshots: Result<[SnapshotEntry], DoctorReadError>
      do {
        snapshots = .success(try Btrfs.snapshotEntries(of: area))
      } catch {
        snapshots = .failure(DoctorReadError(error.reason, isMissing: error.isNotFound))
      }
      facts.areas[label] = DoctorBtrfsArea(incoming: Btrfs.incoming(of: area), snapshots: snapshots)
    }
    return facts
  }

  /// The mount that holds `root` once its symlinks are resolved (ROOT is root's: init made it).
  private static func mount(_ root: String) -> Result<MountEntry, DoctorReadError> {
    do {
      let path = try FileStatus.resolvedPath(root)
      guard let entry = MountInfo.containing(path, in: MountInfo.parse(try Btrfs.mountInfo()))
      else { return .failure(DoctorReadError("no mount in /proc/self/mountinfo holds \(path)")) }
      return .success(entry)
    } catch {
      return .failure(DoctorReadError(error.reason))
    }
  }
}
