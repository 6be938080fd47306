// The key areas on disk as `pushgate status` found them, and each key's row built from its
// area and its records.
import PushgateCore

/// What `pushgate status` read about one key's area.
public struct AreaReport: Equatable, Sendable {
  /// The key label (the area's directory name).
  public var label: String
  /// What holds the area now.
  public var activity: AreaActivity
  /// Changes no snapshot has taken yet; `nil` when the state directory cannot be read.
  public var pending: AreaState.Pending?
  /// The time in the area's `last-snapshot` file, when it could be read.
  public var lastSnapshot: Int?
  /// When the area's directory last changed: normally when `pushgate authorize` made it.
  public var since: Int?
  /// Why the area's state could not be read, when it could not.
  public var problem: String?
  /// With the btrfs engine, the snapshots in the area's snapshots/.
  public var snapshots: SnapshotCount

  /// An area report.
  public init(
    label: String, activity: AreaActivity = .idle,
    pending: AreaState.Pending? = AreaState.Pending.none, lastSnapshot: Int? = nil,
    since: Int? = nil, problem: String? = nil, snapshots: SnapshotCount = .notCounted
  ) {
    self.label = label
    self.activity = activity
    self.pending = pending
    self.lastSnapshot = lastSnapshot
    self.since = since
    self.problem = problem
    self.snapshots = snapshots
  }
}

/// The btrfs snapshots in an area's snapshots/, as `pushgate status` counted them.
public enum SnapshotCount: Equatable, Sendable {
  /// Not counted: the area's snapshots are rsnapshot's.
  case notCounted
  /// snapshots/ could not be listed (why; a monitoring user may not enter it).
  case unreadable(String)
  /// How many entries are named by their UTC time, and the newest of those names.
  case counted(Int, newest: String?)

  /// Counts the names that are snapshot names (``SnapshotName/parse(_:)``); any other entry,
  /// which the backup account may have put there, is not a snapshot.
  public static func of(_ names: [[UInt8]]) -> SnapshotCount {
    let times = names.compactMap { name in SnapshotName.parse(name).map { ($0, name) } }
    let newest = times.max { $0.0 < $1.0 }.map { String(decoding: $0.1, as: UTF8.self) }
    return .counted(times.count, newest: newest)
  }

  /// The newest snapshot's time, from its name.
  public var newestTime: Int? {
    guard case .counted(_, let newest?) = self else { return nil }
    return SnapshotName.parse(Array(newest.utf8))
  }
}

/// What `pushgate status` knows about the areas.
public enum AreaListing: Equatable, Sendable {
  /// No settings (only `--file`): the keys are those of the log.
  case notAsked
  /// `ROOT/keys` could not be listed; the text says why. The keys are those of the log.
  case unreadable(String)
  /// Every area under `ROOT/keys`, sorted by label as bytes.
  case listed([AreaReport])
}

/// One key of the report: its area (if any) and its records, joined.
public struct KeyStatus: Equatable, Sendable {
  /// The key label.
  public var label: String
  /// The area, when the areas were listed and this key has one.
  public var area: AreaReport?
  /// Whether the key has no area although the areas were listed (a removed key, or one
  /// authorized without an area): it is shown, but never judged.
  public var isRetired: Bool
  /// What the log says.
  public var summary: KeySummary
  /// The last backup: the log's, or the area's last snapshot if that is later.
  public var lastBackup: Int?
  /// The last snapshot: the log's, or the area's `last-snapshot` if that is later.
  public var lastSnapshot: Int?
}

extension StatusReport {
  /// Every key the report lists, by label as bytes: the areas and the keys of the log.
  public var keyStatuses: [KeyStatus] {
    var labels = Set(tally.keys.keys)
    var areasByLabel: [String: AreaReport] = [:]
    if case .listed(let areas) = areas {
      for area in areas { areasByLabel[area.label] = area }
      labels.formUnion(areasByLabel.keys)
    }
    let isListed = if case .listed = areas { true } else { false }
    return labels.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { label in
      let area = areasByLabel[label]
      let summary = tally.keys[label] ?? KeySummary()
      // A time from the area's state file after `now` is left out, as records after it are.
      let fileSnapshot = area?.lastSnapshot.flatMap { $0 <= tally.now ? $0 : nil }
      let lastSnapshot = Self.later(summary.lastSnapshot, fileSnapshot)
      return KeyStatus(
        label: label, area: area, isRetired: isListed && area == nil, summary: summary,
        lastBackup: Self.later(summary.lastBackup, lastSnapshot), lastSnapshot: lastSnapshot)
    }
  }

  /// The keys monitoring judges: every key but the retired ones.
  public var judgedKeys: [KeyStatus] { keyStatuses.filter { !$0.isRetired } }

  /// The state of `key` under the thresholds.
  ///
  /// A key that never backed up is CRITICAL, or WARNING while its area is younger than `--max-age`
  /// (a key just authorized).
  public func freshness(_ key: KeyStatus, _ thresholds: AgeThresholds) -> Freshness {
    let now = tally.now
    guard key.lastBackup == nil else {
      return Freshness.of(lastSuccess: key.lastBackup, now: now, thresholds: thresholds)
    }
    if let since = key.area?.since, since <= now, now - since <= thresholds.critical {
      return .warning
    }
    return .critical
  }

  private static func later(_ a: Int?, _ b: Int?) -> Int? {
    guard let a else { return b }
    guard let b else { return a }
    return max(a, b)
  }
}
