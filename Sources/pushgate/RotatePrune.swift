// pushgate rotate with snapshots = btrfs: root deletes, area by area, the read-only snapshots
// that 'preserve' and 'preserve_min' no longer keep. Nothing else deletes a btrfs snapshot.
import ArgumentParser
import Glibc
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
    var failed = 0
    for label in labels {
      if let problem = takePending(label, settings: settings, account: accounts.first, now: now) {
        failed += 1
        Self.report("rotate of '\(label)': \(problem)")
      }
      let history: BtrfsHistory
      do { history = try BtrfsHistory(settings.area(label)) } catch {
        failed += 1
        Self.report("rotate of '\(label)' failed: \(error.text)")
        continue
      }
      let entries: [SnapshotEntry]
      do { entries = try history.entries() } catch {
        failed += 1
        Self.report("rotate of '\(label)' failed: \(error.text)")
        continue
      }
      let times = entries.filter { $0.kind == .readOnly }.compactMap(\.time)
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
              session: Identity.newSessionId(), key: label, snapshot: name,
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

  /// Takes the snapshot a push left pending (`snapshot_min_interval`) once it is due.
  ///
  /// It runs the way the gate's detached snapshot does: `pushgate-serve --snapshot-session`, as
  /// the backup account (never as root: the snapshot and its state are the account's), which
  /// waits for the area, takes the snapshot and logs it. Returns what went wrong, if anything.
  private func takePending(_ label: String, settings: Settings, account: uid_t?, now: Int)
    -> String?
  {
    let area = settings.area(label)
    guard
      RotateDecision.decide(
        level: settings.interval, area: AreaFiles.state(area), now: now, settings: settings)
        == .run
    else { return nil }
    if dryRun {
      print("\(label)  pending changes: would take their snapshot")
      return nil
    }
    guard let serve = SelfPath.sibling("pushgate-serve") else {
      return "cannot find pushgate-serve beside pushgate to take the pending snapshot"
    }
    var credentials: Spawn.Credentials?
    if let account, account != 0 {
      guard let found = Accounts.lookUp(uid: account) else {
        return "no account with uid \(account) to take the pending snapshot as"
      }
      credentials = Spawn.Credentials(
        uid: found.uid, gid: found.gid, groups: Accounts.groups(of: found))
    }
    let run = ProgramRun(
      path: serve,
      arguments: [
        serve, "--config", config, "--key", label, "--snapshot-session", Identity.newSessionId(),
      ], environment: ["PATH=/usr/bin:/bin", "LC_ALL=C"], directory: "/")
    let captured: Spawn.Captured
    do {
      captured = try Spawn.capture(
        run, as: credentials, timeoutSeconds: settings.snapshotTimeout + 60)
    } catch {
      return "cannot start the pending snapshot: \(error.text)"
    }
    guard let end = captured.end, end == .exited(0) else {
      let said = String(decoding: captured.error, as: UTF8.self).split(separator: "\n").last
      return
        "the pending snapshot failed (\(captured.end.map { "status \($0.passedOnStatus)" } ?? "timed out"))"
        + (said.map { ": " + LogRow.visible(String($0)) } ?? "")
    }
    return nil
  }
}
