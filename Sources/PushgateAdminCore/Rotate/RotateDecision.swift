// Whether `pushgate rotate LEVEL` runs rsnapshot on an area: the same pending state and
// interval the gate's SnapshotDecision keeps, so cron adds snapshots no faster than pushes.
import PushgateCore

/// What `pushgate rotate LEVEL` does with one area.
public enum RotateDecision: Equatable, Sendable {
  /// Run rsnapshot's LEVEL for the area.
  case run
  /// Nothing to do; the reason goes to the log.
  case skip(reason: String)

  /// Higher levels always run (they only move snapshots up).
  ///
  /// The lowest level takes a new snapshot, so it runs only for an area holding a whole pushed tree
  /// that no snapshot has taken (`pending` complete) and whose last snapshot is at least
  /// `snapshot_min_interval` old: cron can never rotate history away faster than pushes could.
  public static func decide(level: String, area: AreaState, now: Int, settings: Settings)
    -> RotateDecision
  {
    guard level == settings.interval else { return .run }
    switch area.pending {
    case .none: return .skip(reason: "unchanged")
    case .incomplete: return .skip(reason: "incomplete")
    case .complete: break
    }
    if let last = area.lastSnapshot, now - last < settings.snapshotMinInterval, now >= last {
      return .skip(reason: "min-interval")
    }
    return .run
  }
}
