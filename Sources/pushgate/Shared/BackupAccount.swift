import PushgateAdminSystem
// Which account a root's backups belong to, and whether sshd would let it log in: what
// doctor and keys look up about the backup account when root runs them.
import PushgateCore
import PushgateSystem

/// Look-ups about the backup account.
enum BackupAccount {
  /// The account pushgate-serve runs as for the root of `config`: the owner of the first area's
  /// state/, else of ROOT/keys when that is not root.
  ///
  /// ROOT comes from the settings when they parse, else it is the settings file's directory (where
  /// `pushgate init` puts pushgate.conf). `nil` when nothing tells.
  static func owner(config: String) -> String? {
    let path = DoctorGather.absolute(config)
    let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
      .joined(separator: "/")
    var settings = Settings(root: directory.isEmpty ? "/" : directory)
    if case .parsed(let parsed) = DoctorGather.readSettings(path) {
      settings = parsed
    }
    if let owner = DoctorGather.areaOwner(settings, DoctorGather.list(settings.keysDirectory)) {
      return owner
    }
    let keys = DoctorGather.inspect(settings.keysDirectory)
    guard keys.kind == .directory, keys.uid != 0 else { return nil }
    return DoctorGather.userName(keys.uid)
  }

  /// Whether `name`'s password field in /etc/shadow starts with `!` (locked); `nil` when the file
  /// cannot be read (not root) or has no entry.
  ///
  /// Read with TrustedFile.readSmall: without following a symlink or waiting on a FIFO, and only
  /// when it is a regular file.
  static func passwordLocked(_ name: String, shadow: String = "/etc/shadow") -> Bool? {
    guard let bytes = TrustedFile.readSmall(shadow, limit: 16 << 20) else { return nil }
    let prefix = Array((name + ":").utf8)
    for line in bytes.split(separator: UInt8(ascii: "\n")) where line.starts(with: prefix) {
      return line.dropFirst(prefix.count).first == UInt8(ascii: "!")
    }
    return nil
  }
}
