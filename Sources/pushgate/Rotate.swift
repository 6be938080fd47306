// pushgate rotate: what cron runs for every rsnapshot level, one area at a time, each under
// its area's lock, so it never overlaps a push or a push's snapshot of that key.
import ArgumentParser
import PushgateAdminCore
import PushgateAdminSystem
import PushgateCore
import PushgateSystem

/// `pushgate rotate LEVEL [--key LABEL] [--config FILE]` (rsnapshot), or
/// `pushgate rotate [--dry-run] [--key LABEL] [--config FILE]` (btrfs, as root).
///
/// Exit statuses: 0 every area done (or nothing to do); 1 some area failed (one line each on
/// stderr); 64 usage, or run as another account than the areas' (rsnapshot) or than root
/// (btrfs); 71 operating-system error; 78 settings invalid.
struct Rotate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Run one rsnapshot level for every area, or delete the btrfs snapshots 'preserve' no "
      + "longer keeps (cron runs this).",
    discussion: """
      For each key's area (or only --key's): waits for the area's lock (at most \\
      snapshot_timeout), then runs 'rsnapshot -c AREA/rsnapshot.conf LEVEL'; for the lowest \\
      level 'sync' first, and LEVEL only if the sync exited 0. The lowest level takes a \\
      snapshot only of an area with pending changes whose last snapshot is at least \\
      snapshot_min_interval old. Logs one record per area, prints nothing when all is well, \\
      and one line per failed area otherwise. Run it as the backup account (the cron.d user \\
      field).

      With snapshots = btrfs, run as root and without a level: for each area, deletes the \
      read-only snapshots that 'preserve' and 'preserve_min' no longer keep (btrbk's \
      semantics, UTC), logging one record per deletion; --dry-run prints what it would \
      delete and why. Nothing else ever deletes a btrfs snapshot. See pushgate-rotate(8).
      """)

  @Argument(
    help: ArgumentHelp(
      "A level of 'retain' in the settings, such as hourly or daily (rsnapshot only).",
      valueName: "level"))
  var level: String?

  @Flag(help: "btrfs: print what would be deleted, and delete nothing.")
  var dryRun = false

  @Option(help: "The settings file.")
  var config = SettingsFile.defaultPath

  @Option(help: ArgumentHelp("Only this key's area.", valueName: "label"))
  var key: String?

  func run() throws {
    let settings: Settings
    switch SettingsFile.load(config) {
    case .success(let loaded): settings = loaded
    case .failure(let error): try fail(error.failure.detail, status: error.failure.exitStatus)
    }
    if settings.snapshots == .btrfs { return try prune(settings) }
    guard let level, !dryRun else {
      try fail(
        level == nil
          ? "give the rsnapshot level to run, such as 'pushgate rotate hourly'"
          : "--dry-run is for snapshots = btrfs; rsnapshot levels have no dry run here",
        status: ExitStatus.usage)
    }
    guard settings.retain.contains(where: { $0.name == level }) else {
      let levels = settings.retain.map(\.name).joined(separator: ", ")
      try fail(
        "'\(level)' is not a level of 'retain' in \(config) (\(levels))", status: ExitStatus.usage)
    }
    let labels = try areaLabels(settings)
    // Before anything is opened or written: as another account (root, say) rotate would create
    // a log the gate cannot append to, and run rsnapshot in directories the account controls.
    for label in labels {
      if let owner = AreaFiles.stateOwner(settings.area(label)), owner != Identity.userId {
        try fail(
          "run 'pushgate rotate' as uid \(owner), the owner of \(settings.area(label).state) "
            + "(the cron.d user field); nothing was done", status: ExitStatus.usage)
      }
    }
    let log: AuditLogFile
    do { log = try AuditLogFile.open(settings.auditLog, lock: settings.lockFile) } catch {
      try fail(
        "cannot write audit log '\(settings.auditLog)': \(error.text)", status: ExitStatus.osError)
    }
    var failed = 0
    for label in labels {
      let area = settings.area(label)
      let ran = rotate(area, level: level, settings: settings)
      do {
        try log.append(
          AuditRecord.rotateEnded(
            session: Identity.newSessionId(), key: label, level: level, result: ran.result,
            milliseconds: ran.milliseconds, waitedMilliseconds: ran.waited,
            outputTail: ran.tail, time: Clock.now()))
      } catch {
        try fail(
          "cannot write audit log '\(settings.auditLog)': \(error.text)", status: ExitStatus.osError
        )
      }
      if let problem = ran.problem {
        failed += 1
        Self.report("rotate \(level) of '\(label)' failed: \(problem)")
      }
    }
    if failed > 0 { throw ExitCode(ExitStatus.failed) }
  }

  /// What happened to one area: the result, timings, rsnapshot's output tail, and the one
  /// line for cron when it failed.
  private struct Ran {
    var result: RotateResult
    var waited = 0
    var milliseconds = 0
    var tail: [UInt8] = []
    var problem: String?
  }

  /// The areas to work on: `--key`'s, or every one under ROOT/keys.
  func areaLabels(_ settings: Settings) throws -> [String] {
    if let key {
      guard Gate.isKeyLabel(key), AreaFiles.exists(settings.area(key)) else {
        try fail(
          "no area for key '\(LogRow.visible(key))' in \(settings.keysDirectory)",
          status: ExitStatus.usage)
      }
      return [key]
    }
    do { return try AreaFiles.labels(settings) } catch {
      try fail(
        "cannot list '\(settings.keysDirectory)': \(error.text)", status: ExitStatus.osError)
    }
  }

  private func rotate(_ area: Area, level: String, settings: Settings) -> Ran {
    let start = Clock.monotonicMilliseconds()
    let lock: AreaLock
    do {
      lock = try AreaLock.open(area)
    } catch {
      return Ran(
        result: .ran(.notStarted(detail: error.text)),
        problem: "cannot open \(area.lockFile): \(error.text)")
    }
    defer { lock.close() }
    do {
      guard try lock.acquire(until: start + settings.snapshotTimeout * 1000) else {
        return Ran(
          result: .busy, waited: Clock.monotonicMilliseconds() - start,
          problem: "the area stayed busy for \(settings.snapshotTimeout) s")
      }
    } catch {
      return Ran(
        result: .ran(.notStarted(detail: error.text)),
        problem: "cannot lock \(area.lockFile): \(error.text)")
    }
    let waited = Clock.monotonicMilliseconds() - start
    let state = AreaFiles.state(area)
    if case .skip(let reason) = RotateDecision.decide(
      level: level, area: state, now: Clock.now(), settings: settings)
    {
      return Ran(result: .skipped(reason: reason), waited: waited)
    }
    let program = { (arguments: [String]) in
      ProgramRun(
        path: settings.rsnapshot, arguments: arguments,
        environment: ["PATH=/usr/bin:/bin:/usr/sbin:/sbin", "LC_ALL=C"], directory: area.directory)
    }
    // The lowest level renames snapshot_root/.sync into the history whether or not it is
    // complete (or there at all): it runs only right after a sync that exited 0.
    let isLowest = level == settings.interval
    let snapshot = lock.runSnapshot(
      sync: isLowest ? program(settings.rsnapshotSyncCommand(area)) : nil,
      level: program(settings.rsnapshotCommand(area, level: level)), of: area,
      holder: HolderRecord.render(
        SessionContext(session: Identity.newSessionId(), key: area.label, originalCommand: nil),
        pid: Identity.processId, since: Clock.now()),
      timeoutSeconds: settings.snapshotTimeout, isNewSnapshot: isLowest)
    let outcome = snapshot.outcome
    var ran = Ran(
      result: .ran(outcome), waited: waited, milliseconds: snapshot.milliseconds,
      tail: snapshot.tail)
    if let error = snapshot.recordFailure {
      ran.problem = "snapshot taken, but its time could not be recorded: \(error.text)"
    }
    if !outcome.isSuccess {
      let last =
        String(decoding: snapshot.tail, as: UTF8.self).split(separator: "\n").last.map {
          ": " + LogRow.visible(String($0))
        } ?? ""
      ran.problem = "rsnapshot \(outcome.code)\(last)"
    }
    return ran
  }

  func fail(_ message: String, status: Int32) throws -> Never {
    Self.report(message)
    throw ExitCode(status)
  }

  static func report(_ message: String) {
    Terminal.write("pushgate: \(message)\n", to: .error)
  }
}
