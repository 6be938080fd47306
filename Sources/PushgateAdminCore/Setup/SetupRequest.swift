// What `pushgate init` was asked to set up, validated before anything is planned.
import PushgateCore

/// The account that will own the backup root and run pushgate-serve and rsnapshot.
public struct SetupAccount: Equatable, Sendable {
  /// The login name.
  public let name: String
  /// Its numeric user id.
  public let uid: UInt32
  /// Its primary group's id.
  public let gid: UInt32
  /// Its primary group's name.
  public let group: String

  /// Creates an account description from the password and group databases.
  public init(name: String, uid: UInt32, gid: UInt32, group: String) {
    self.name = name
    self.uid = uid
    self.gid = gid
    self.group = group
  }

  /// Whether the account is root, which changes rsyncd.conf (uid/gid instead of no chroot).
  public var isRoot: Bool { uid == 0 }

  /// Whether `name` can be written into rsyncd.conf, a cron line and `user@host::push`:
  /// 1–32 letters, digits, `.`, `_` and `-`, not starting with `-`.
  public static func isUsableName(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    guard let first = bytes.first, bytes.count <= 32, first != UInt8(ascii: "-") else {
      return false
    }
    return bytes.allSatisfy {
      PathRules.isSafe($0) && !"/+,@:".utf8.contains($0)
    }
  }
}

/// The validated request: every path and name in it is safe to write into a config file.
public struct SetupRequest: Equatable, Sendable {
  /// The backup root, an absolute path accepted by ``PathRules/isSafeAbsolute(_:)``.
  public let root: String
  /// The account that owns the data and runs the gate.
  public let account: SetupAccount
  /// Whether init runs as root; only then can it give files to another account.
  public let runsAsRoot: Bool
  /// The rsnapshot levels, lowest first; the first is the one pushes trigger.
  public let levels: [RetainLevel]
  /// Whether to add the read-only `snapshots` module.
  public let restore: Bool
  /// How snapshots are taken.
  public let snapshots: SnapshotEngine

  /// Validates the options of `pushgate init`.
  ///
  /// - Parameters:
  ///   - interval: The level pushes trigger (`--interval`).
  ///   - retain: The `--retain LEVEL=COUNT` options as given; empty means the defaults.
  public init(
    root: String, account: SetupAccount, runsAsRoot: Bool, interval: String, retain: [String],
    restore: Bool, snapshots: SnapshotEngine = .rsnapshot
  ) throws(SetupError) {
    guard PathRules.isSafeAbsolute(root) else {
      throw SetupError(
        "root must be an absolute path of letters, digits and / . _ - + , @ : without '//', "
          + "'.' or '..' parts or a trailing '/', not '\(SettingsParser.visible(root))'")
    }
    guard SetupAccount.isUsableName(account.name), SetupAccount.isUsableName(account.group) else {
      throw SetupError(
        "account '\(SettingsParser.visible(account.name))' must be named with letters, digits, "
          + ". _ - only")
    }
    self.root = root
    self.account = account
    self.runsAsRoot = runsAsRoot
    self.levels = try RetainLevel.levels(interval: interval, retain: retain)
    self.restore = restore
    self.snapshots = snapshots
  }

  /// The level each successful push triggers.
  public var interval: String { levels[0].name }

  /// The settings the generated pushgate.conf stands for.
  public var settings: Settings {
    var settings = Settings(root: root)
    settings.retain = levels
    settings.snapshots = snapshots
    return settings
  }
}
