// What one audit record means for a key's status: a push, a backup, a snapshot, a refusal, a
// failure, or nothing.
//
// "Backup" is the time the key's area last held the client's whole tree safely: a snapshot
// taken (by the session or by the lowest level of `pushgate rotate`), a push that ended well
// and found nothing to change, or a push that ended well whose snapshot waits for
// `snapshot_min_interval`. Failures are the key's: a listing, a dry run or a restore that ended
// badly is the client's own business (SessionActivity.isFailure).
import PushgateCore

/// What one audit record means for the status report.
public struct StatusEvent: Equatable, Sendable {
  /// The session changed the area (activity `pushed`): it counts as a push.
  public var changedArea = false
  /// The area held the whole tree after this record, without a new snapshot.
  public var heldTree = false
  /// A new snapshot of the area was taken (it held the whole tree, too).
  public var tookSnapshot = false
  /// A session was refused.
  public var isRefusal = false
  /// Something failed; the text says what, in words built from the record.
  public var failure: String?

  /// An event with the given meanings; a record that changes nothing has none.
  public init(
    changedArea: Bool = false, heldTree: Bool = false, tookSnapshot: Bool = false,
    isRefusal: Bool = false, failure: String? = nil
  ) {
    self.changedArea = changedArea
    self.heldTree = heldTree
    self.tookSnapshot = tookSnapshot
    self.isRefusal = isRefusal
    self.failure = failure
  }

  /// Classifies one record.
  ///
  /// `lowestLevel` is the rsnapshot level a push triggers (the first of `retain`): only its
  /// rotations take a new snapshot.
  public init(_ entry: AuditEntry, lowestLevel: String) {
    switch entry.event {
    case "refused": isRefusal = true
    case "failed": failure = "server error: " + (entry.string("reason") ?? "unknown")
    case "transfer-ended": self = Self.transfer(entry)
    case "snapshot-ended":
      failure = Self.failure(snapshot: entry, name: "snapshot")
      tookSnapshot = failure == nil
    case "rotate-ended": self = Self.rotate(entry, lowestLevel: lowestLevel)
    default: break
    }
  }

  private static func transfer(_ entry: AuditEntry) -> StatusEvent {
    var event = StatusEvent()
    let activity = SessionActivity(record: entry)
    let status = entry.int("status")
    let signal = status == nil ? entry.int("signal") : nil
    event.changedArea = activity == .pushed
    if SessionActivity.isFailure(of: activity, status: status, signal: signal) {
      event.failure =
        signal.map { "rsync killed by signal \($0)" }
        ?? "rsync exit \(status ?? 0)" + (StatusMeaning.text(status ?? 0).map { " (\($0))" } ?? "")
    } else if status == 0 {
      event.heldTree =
        activity == .unchanged
        || (activity == .pushed && entry.has("snapshot", "pending")
          && entry.has("snapshot_reason", "min-interval"))
    }
    return event
  }

  private static func rotate(_ entry: AuditEntry, lowestLevel: String) -> StatusEvent {
    var event = StatusEvent()
    let level = entry.string("level") ?? ""
    switch entry.string("result") {
    case "skipped", nil: break
    case "busy": event.failure = "rotate \(cut(level)): area stayed busy"
    default:
      event.failure = failure(snapshot: entry, name: "rotate " + cut(level))
      event.tookSnapshot = event.failure == nil && level == lowestLevel
    }
    return event
  }

  /// The failure a snapshot's (or rotation's) result reports; `nil` for `ok` and `warning`
  /// (rsnapshot's "finished with warnings" is a snapshot taken), and for a record without a
  /// result that ended with status 0.
  private static func failure(snapshot entry: AuditEntry, name: String) -> String? {
    switch entry.string("result") {
    case "ok", "warning": return nil
    case nil:
      if let signal = entry.int("signal") { return "\(name) killed by signal \(signal)" }
      if let status = entry.int("status"), status != 0 { return "\(name) exit \(status)" }
      return nil
    case "timeout": return "\(name) timed out"
    case "tree-busy": return "\(name) not taken: area busy"
    case "not-started": return "\(name) not started"
    case "sync-failed":
      let how =
        entry.int("signal").map { " (signal \($0))" } ?? entry.int("status").map { " (exit \($0))" }
        ?? (entry.string("sync") == "timeout" ? " (timed out)" : "")
      return "\(name) sync failed\(how), history unchanged"
    case let result?:
      if let signal = entry.int("signal") { return "\(name) killed by signal \(signal)" }
      if let status = entry.int("status") { return "\(name) \(cut(result)) (exit \(status))" }
      return "\(name) \(cut(result))"
    }
  }

  /// A level or result from the log, kept short: the report shows one line per key.
  private static func cut(_ text: String) -> String { SessionSummary.cut(text, 32) }
}
