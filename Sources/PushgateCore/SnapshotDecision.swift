// Whether a finished session really pushed into the push module, so a snapshot is due.

/// The verdict after rsync ended.
public enum SnapshotDecision: Equatable, Sendable {
  /// Take a snapshot.
  case due
  /// Do not; the reason's code goes to the log.
  case skipped(reason: String)

  /// Decides from rsync's end and what its hooks recorded.
  ///
  /// A snapshot is due only if rsync's status is in `snapshot_on`, the pre-xfer hook saw a
  /// write into the push module that is not a dry run, listing, pull or batch, and the
  /// post-xfer hook saw the same module end with an accepted status. A module that sets its
  /// own hooks leaves no evidence, so it never snapshots.
  public static func decide(transfer: ProcessEnd, evidence: HookEvidence, settings: Settings)
    -> SnapshotDecision
  {
    guard case .exited(let status) = transfer else { return .skipped(reason: "rsync-signaled") }
    guard settings.snapshotOn.contains(status) else { return .skipped(reason: "rsync-status") }
    guard !evidence.pre.isEmpty else { return .skipped(reason: "no-pre-xfer-evidence") }
    for pre in evidence.pre {
      guard pre.module.utf8.elementsEqual(settings.pushModule.utf8) else {
        return .skipped(reason: "other-module")
      }
      if pre.isPull { return .skipped(reason: "pull") }
      if pre.isDryRun { return .skipped(reason: "dry-run") }
      if pre.isListOnly { return .skipped(reason: "list-only") }
      if pre.isBatch { return .skipped(reason: "batch") }
    }
    guard !evidence.post.isEmpty else { return .skipped(reason: "no-post-xfer-evidence") }
    for post in evidence.post {
      guard post.module.utf8.elementsEqual(settings.pushModule.utf8),
        let status = Int32(post.status), settings.snapshotOn.contains(status)
      else { return .skipped(reason: "post-xfer-status") }
    }
    return .due
  }
}

/// The result of a snapshot run.
public enum SnapshotOutcome: Equatable, Sendable {
  /// The command ended; rsnapshot's 0 is success and 2 success with warnings.
  case ended(ProcessEnd)
  /// Killed after `snapshot_timeout`.
  case timedOut
  /// Another push kept the tree busy for the whole `snapshot_timeout`.
  case treeBusy
  /// The command could not be started.
  case notStarted(detail: String)

  /// Whether the snapshot counts as taken (rsnapshot: 0, or 2 for warnings).
  public var isSuccess: Bool {
    self == .ended(.exited(0)) || self == .ended(.exited(2))
  }

  /// The stable result code for the log.
  public var code: String {
    switch self {
    case .ended(.exited(0)): "ok"
    case .ended(.exited(2)): "warning"
    case .ended: "failed"
    case .timedOut: "timeout"
    case .treeBusy: "tree-busy"
    case .notStarted: "not-started"
    }
  }

  /// The one line the client sees in `wait` mode.
  public var clientMessage: String {
    switch self {
    case .ended(.exited(0)): "snapshot taken"
    case .ended(.exited(2)): "snapshot taken with warnings (see the server's audit log)"
    case .ended(let end): "snapshot failed (status \(end.passedOnStatus)); your data arrived, the next push retries"
    case .timedOut: "snapshot timed out and was stopped; your data arrived, the next push retries"
    case .treeBusy: "snapshot not taken: other pushes kept the tree busy; the next push retries"
    case .notStarted: "snapshot could not be started; your data arrived, the next push retries"
    }
  }
}
