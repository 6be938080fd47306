// What a `transfer-ended` record says the session did, for records of every version, and
// whether rsync's end was a failure of the key. `pushgate log` and `pushgate status` share it.
import PushgateCore

extension SessionActivity {
  /// The activity a `transfer-ended` record states in `activity`; for a record written before that
  /// field existed, the one its other fields imply (`"snapshot":"due"` was a push, `dry_run` a dry
  /// run, `pull` a restore, `snapshot_reason` `list-only` a listing).
  ///
  /// `nil` when the record does not say, or names an activity this version does not know.
  public init?(record entry: AuditEntry) {
    if let code = entry.string("activity") {
      self.init(rawValue: code)
      return
    }
    if entry.has("snapshot", "due") {
      self = .pushed
    } else if entry.bool("dry_run") == true {
      self = .dryRun
    } else if entry.bool("pull") == true {
      self = .restored
    } else {
      switch entry.string("snapshot_reason") {
      case "dry-run", "batch": self = .dryRun
      case "pull": self = .restored
      case "list-only": self = .listed
      default: return nil
      }
    }
  }

  /// Whether rsync ending with `status` or `signal` is a failure of the key.
  ///
  /// Only a push into the push module (`pushed`, `unchanged`) can fail the key's backup, and
  /// so can a record that does not say what the session was (an older one). A listing, a dry
  /// run, a restore or a session that never reached a module ended as the client made it end:
  /// a bare `host::` listing exits 255 and a pull from the write-only module 1, every time.
  public static func isFailure(of activity: SessionActivity?, status: Int?, signal: Int?) -> Bool {
    guard signal != nil || (status ?? 0) != 0 else { return false }
    return activity?.isPush ?? true
  }
}
