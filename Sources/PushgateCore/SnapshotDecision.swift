// Whether a finished session is due a snapshot of its area: decided from what rsync recorded
// it did (TransferLog), rsync's status, and the area's state; never from rsync's arguments.

/// What a session did, in the words `pushgate log` and `status` use.
public enum SessionActivity: String, Equatable, Sendable {
  /// It created, changed or deleted something in the push module.
  case pushed
  /// It pushed into the push module and nothing needed changing.
  case unchanged
  /// It asked for a dry run (or a batch file) of a push; nothing was written.
  case dryRun = "dry-run"
  /// A listing: the module list, `--list-only`, or a pull from the write-only push module.
  case listed
  /// It pulled from another module: a restore.
  case restored
  /// rsync ended before any module transfer began.
  case none

  /// Classifies a session from what it changed and what its pre-xfer hook saw.
  public static func classify(
    changes: TransferChanges, evidence: HookEvidence, transfer: ProcessEnd, pushModule: String
  ) -> SessionActivity {
    if changes.hasChanges { return .pushed }
    guard let pre = evidence.pre.first else {
      return transfer == .exited(0) ? .listed : .none
    }
    let intoPush = pre.module.utf8.elementsEqual(pushModule.utf8)
    if pre.isPull { return intoPush || pre.isListOnly ? .listed : .restored }
    if pre.isListOnly { return .listed }
    if pre.isDryRun || pre.isBatch { return .dryRun }
    return .unchanged
  }

  /// Whether the session was a push into the push module, the only kind whose good end shows
  /// that the area holds the client's whole tree.
  public var isPush: Bool { self == .pushed || self == .unchanged }
}

/// The verdict after rsync ended.
public enum SnapshotDecision: Equatable, Sendable {
  /// Take a snapshot of the area now.
  case due
  /// Do not; the area holds (or keeps) changes no snapshot has taken yet. `complete` says
  /// whether the area holds a whole pushed tree (rsync ended well) or a push cut short.
  case pending(reason: String, complete: Bool)
  /// Do not; nothing new to keep. The reason's code goes to the log.
  case skipped(reason: String)

  /// Decides from rsync's end, what it changed, what the session was, and the area's state.
  ///
  /// A snapshot is due when rsync's status is in `snapshot_on`, the session pushed into the
  /// push module, and it changed something (or earlier changes are pending), unless the
  /// area's last snapshot is younger than `snapshot_min_interval`: then the area is pending.
  /// A push that changed something but ended badly leaves the area pending and incomplete.
  public static func decide(
    transfer: ProcessEnd, changes: TransferChanges, activity: SessionActivity, area: AreaState,
    now: Int, settings: Settings
  ) -> SnapshotDecision {
    let endedWell: Bool
    let failure: String
    switch transfer {
    case .exited(let status):
      endedWell = settings.snapshotOn.contains(status)
      failure = "rsync-status"
    case .signaled:
      endedWell = false
      failure = "rsync-signaled"
    }
    guard endedWell else {
      return changes.hasChanges
        ? .pending(reason: failure, complete: false) : .skipped(reason: failure)
    }
    guard changes.hasChanges || area.pending != .none else { return .skipped(reason: "unchanged") }
    guard activity.isPush else { return .skipped(reason: activity.rawValue) }
    if let last = area.lastSnapshot, now - last < settings.snapshotMinInterval, now >= last {
      return .pending(reason: "min-interval", complete: true)
    }
    return .due
  }

  /// What the area's `state/pending` file is set to after this verdict.
  public var pendingMark: AreaState.Pending {
    switch self {
    case .due, .pending(_, complete: true): .complete
    case .pending(_, complete: false): .incomplete
    case .skipped: .none
    }
  }

  /// Whether to snapshot at once when `state/pending` cannot be written: a deferral that cannot be
  /// recorded would be forgotten, so a whole pushed tree is snapshotted now.
  ///
  /// A push cut short is not (its tree is partial); the session fails instead.
  public var snapshotsWhenPendingIsLost: Bool { pendingMark == .complete }

  /// The client's line when a deferral could not be recorded and the snapshot runs now.
  public static let pendingLostMessage =
    "server could not record the pending snapshot; taking it now"

  /// The log's `snapshot` field: `due`, `pending` or `skipped`.
  public var code: String {
    switch self {
    case .due: "due"
    case .pending: "pending"
    case .skipped: "skipped"
    }
  }

  /// The log's `snapshot_reason`, when there is one.
  public var reason: String? {
    switch self {
    case .due: nil
    case .pending(let reason, _), .skipped(let reason): reason
    }
  }
}

/// The result of a snapshot run.
public enum SnapshotOutcome: Equatable, Sendable {
  /// The level ended (after a complete sync, for the lowest level); only 0 is success.
  case ended(ProcessEnd)
  /// Killed after `snapshot_timeout`.
  case timedOut
  /// The area stayed busy for the whole `snapshot_timeout`.
  case treeBusy
  /// The command could not be started.
  case notStarted(detail: String)
  /// `rsnapshot sync` did not complete (how it ended: `ended`, `timedOut` or `notStarted`), so
  /// the level was never run: the history is exactly as it was, and the next snapshot's sync
  /// completes the same `.sync`.
  indirect case syncFailed(SnapshotOutcome)
  /// btrfs made the read-only snapshot `name` in the area's snapshots/.
  case created(name: String)
  /// btrfs refused the snapshot (the ioctl's error, such as no space left): nothing was made.
  case refused(detail: String)

  /// Whether the snapshot counts as taken: rsnapshot exited 0, or btrfs made it.
  ///
  /// rsnapshot's 2 ("warnings") is not: with a sync it means files are missing from the tree
  /// (rsync 23 or 24).
  public var isSuccess: Bool {
    if case .created = self { return true }
    return self == .ended(.exited(0))
  }

  /// The stable result code for the log.
  public var code: String {
    switch self {
    case .ended(.exited(0)), .created: "ok"
    case .ended, .refused: "failed"
    case .timedOut: "timeout"
    case .treeBusy: "tree-busy"
    case .notStarted: "not-started"
    case .syncFailed: "sync-failed"
    }
  }

  /// The one line the client sees in `wait` mode.
  public var clientMessage: String {
    let kept = "your data arrived and is kept for the next snapshot"
    switch self {
    case .ended(.exited(0)): return "snapshot taken"
    case .created(let name): return "snapshot \(name) taken"
    case .ended(let end): return "snapshot failed (status \(end.passedOnStatus)); \(kept)"
    case .refused(let detail): return "snapshot failed (\(detail)); \(kept)"
    case .timedOut: return "snapshot timed out and was stopped; \(kept)"
    case .treeBusy: return "snapshot not taken: the area stayed busy; \(kept)"
    case .notStarted: return "snapshot could not be started; \(kept)"
    case .syncFailed(let sync):
      return "snapshot not taken: its sync \(sync.syncText); the history is unchanged and \(kept)"
    }
  }

  /// How a sync that did not complete ended, in words.
  private var syncText: String {
    switch self {
    case .ended(let end): "failed (status \(end.passedOnStatus))"
    case .timedOut: "timed out and was stopped"
    case .notStarted: "could not be started"
    default: "did not complete"
    }
  }
}
