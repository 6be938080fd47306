// What root's tools read of the areas beside what the gate reads: the list of areas, the
// owner of an area's state, whether a complete sync waits for its level.
import Glibc
import PushgateCore
import PushgateSystem

extension AreaFiles {
  /// The labels of the areas under `settings.keysDirectory`, sorted as bytes: directories
  /// (lstat(2), never a symlink) whose names are key labels (opendir(3), readdir(3)).
  public static func labels(_ settings: Settings) throws(SystemError) -> [String] {
    try Directory.names(settings.keysDirectory).filter {
      Gate.isKeyLabel($0) && exists(settings.area($0))
    }
  }

  /// The owner of `area`'s state directory (lstat(2)), or `nil`.
  public static func stateOwner(_ area: Area) -> uid_t? {
    var info = stat()
    guard lstat(area.state, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return nil }
    return info.st_uid
  }

  /// Whether snapshots/.sync holds a complete sync that no level has taken yet (lstat(2)).
  public static func isSynced(_ area: Area) -> Bool {
    var info = stat()
    return lstat(area.syncedFile, &info) == 0
  }
}
