// pushgate rotate with snapshots = btrfs: root deletes, area by area, the read-only snapshots
// that 'preserve' and 'preserve_min' no longer keep. Nothing else deletes a btrfs snapshot.
import ArgumentParser
import PushgateAdminCore
import PushgateAdminSystem
import PushgateCore
import PushgateSystem

extension Rotate {
  /// Prunes every area (or `--key`'s); with `--dry-run` prints what it would delete instead.
  ///
  /// Entries of snapshots/ that are not read-only snapshots with a snapshot's name are never
  /// deleted (doctor reports them).
  func prune(_ settings: Settings) throws {
    if let level {
      try fail(
        "with snapshots = btrfs, rotate takes no level ('\(LogRow.visible(level))'): it deletes "
          + "what 'preserve' no longer keeps", status: ExitStatus.usage)
    }
    guard Identity.isRoot || dryRun else {
      try fail(
        "run 'pushgate rotate' as root (the cron.d user field): only root deletes btrfs "
          + "snapshots; nothing was done", status: ExitStatus.usage)
    }
    let labels = try areaLabels(settings)
    let accounts = Set(labels.compactMap { AreaFiles.stateOwner(settings.area($0)) })
    guard accounts.count <= 1 else {
      try fail(
        "the areas' state/ directories have different owners (uids "
          + "\(accounts.sorted().map(String.init).joined(separator: ", "))); nothing was done",
        status: ExitStatus.osError)
    }
    // Every deletion is logged, or none is made: the log is the account's, opened never created.
    var log: AuditLogFile?
    if !dryRun && !labels.isEmpty {
      do {
        log = try AuditLogFile.open(
          settings.auditLog, lock: settings.lockFile, owner: accounts.first)
      } catch {
        try fail(
          "cannot write audit log '\(settings.auditLog)': \(error.text); nothing was deleted",
          status: ExitStatus.osError)
      }
    }
    let now = Clock.now()
    let session = Identity.newSessionId()
    var failed = 0
    for label in labels {
      let history: BtrfsHistory
      do { history = try BtrfsHistory(settings.area(label)) } catch {
        failed += 1
        Self.report("rotate of '\(label)' failed: \(error.text)")
        continue
      }
      let entries: [BtrfsHistory.Entry]
      do { entries = try history.entries() } catch {
        failed += 1
        Self.report("rotate of '\(label)' failed: \(error.text)")
        continue
      }
      let times = entries.filter { $0.kind == .readOnlySnapshot }.compactMap(\.time)
      let verdicts = Retention.plan(
        snapshots: times, now: now, preserve: settings.preserve, minimum: settings.preserveMin)
      let doomed = verdicts.filter { !$0.isKept }
      if dryRun {
        for verdict in doomed {
          print("\(label)  \(SnapshotName.render(verdict.time))  \(verdict.reason)")
        }
        print("\(label)  \(verdicts.count - doomed.count) kept, \(doomed.count) to delete")
        continue
      }
      for verdict in doomed {
        let name = SnapshotName.render(verdict.time)
        var problem: SystemError?
        do { try history.delete(Array(name.utf8)) } catch { problem = error }
        do {
          try log?.append(
            AuditRecord.snapshotDeleted(
              session: session, key: label, snapshot: name,
              reason: verdict.reason, detail: problem?.text, time: Clock.now()))
        } catch {
          try fail(
            "cannot write audit log '\(settings.auditLog)': \(error.text); stopped",
            status: ExitStatus.osError)
        }
        if let problem {
          failed += 1
          Self.report("rotate of '\(label)': cannot delete \(name): \(problem.text)")
        }
      }
    }
    if failed > 0 { throw ExitCode(ExitStatus.failed) }
  }
}
