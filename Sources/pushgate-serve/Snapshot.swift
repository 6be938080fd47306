// Taking an area's snapshot, in the session (wait mode) or in a detached process (detach mode).
import Glibc
import PushgateCore
import PushgateSystem

/// Runs the area's snapshot while holding the area, so no push of this key writes meanwhile.
///
/// With rsnapshot: `rsnapshot sync`, then the lowest level only if the sync exited 0, with its
/// timeout; with btrfs: the read-only snapshot. Records the area's new state and logs the
/// outcome.
///
/// rsnapshot and what it starts inherit the area lock, so the area stays held until the last of
/// them is gone, even after we exit.
func takeSnapshot(_ plan: SessionPlan, area: AreaLock, log: SessionLog, context: SessionContext)
  -> SnapshotOutcome
{
  let settings = plan.settings
  // The session marked the area pending (complete) before the snapshot started; a success
  // clears the mark, a failure leaves it for the next push or `pushgate rotate`.
  let holder = HolderRecord.render(context, pid: Identity.processId, since: Clock.now())
  let snapshot =
    switch settings.snapshots {
    case .rsnapshot:
      area.runSnapshot(
        sync: plan.snapshotSync, level: plan.snapshot, of: plan.area, holder: holder,
        timeoutSeconds: settings.snapshotTimeout, isNewSnapshot: true)
    case .btrfs: area.runBtrfsSnapshot(of: plan.area, holder: holder)
    }
  log.record(
    AuditRecord.snapshotEnded(
      context, snapshot.outcome, milliseconds: snapshot.milliseconds, waitedMilliseconds: 0,
      mode: settings.snapshotMode, outputTail: snapshot.tail, interruptedBy: Signals.received,
      time: Clock.now()))
  if let error = snapshot.recordFailure {
    log.record(
      AuditRecord.failed(
        context, .area(path: plan.area.state, detail: error.text), time: Clock.now()))
  }
  return snapshot.outcome
}

/// Starts `pushgate-serve --snapshot-session ID` in its own session with no descriptor to the
/// client, so the client is released now while the snapshot runs on.
///
/// The child inherits our area lock as descriptor 3: the same open file description, so the area
/// stays held, with no gap, until the snapshot ends.
func startDetachedSnapshot(
  config: String, plan: SessionPlan, area: AreaLock, context: SessionContext, log: SessionLog
) {
  let run = plan.detachedSnapshot(config: config, context: context)
  do throws(SystemError) {
    let null = try Descriptors.openNull()
    defer { close(null) }
    _ = try Spawn.start(
      run, stdio: Spawn.Stdio(input: null, output: null, error: null, inherited: area.fd),
      grouping: .newSession, diesWithUs: false)
  } catch {
    log.record(
      AuditRecord.snapshotEnded(
        context, .notStarted(detail: error.text), milliseconds: 0, waitedMilliseconds: 0,
        mode: .detach, outputTail: [], time: Clock.now()))
  }
}

/// The detached process: loads the settings again, adopts the area lock it inherited as
/// descriptor 3 (or, failing that, waits for the area), takes the snapshot, logs it.
func runDetachedSnapshot(config: String, key: String, session: String) -> Never {
  Signals.catchTermination(true)
  var context = SessionContext.current(key: key)
  context.session = session
  // Changed since the session read them: logged where the old log still opens.
  let settings = loadSettings(config, context)
  let log = openLog(settings)
  guard Gate.isKeyLabel(key), let plan = try? SessionPlan(settings: settings, context: context)
  else {
    log.fail(context, .keyMissing)
  }
  let area: AreaLock
  if let inherited = AreaLock.adopt(3, area: plan.area) {
    area = inherited
  } else {
    do {
      area = try AreaLock.open(plan.area)
      let start = Clock.monotonicMilliseconds()
      guard try area.acquire(until: start + settings.snapshotTimeout * 1000) else {
        if let signal = Signals.received {
          log.fail(
            context,
            .interrupted(
              signal: signal, waitingFor: "area",
              waitedMilliseconds: Clock.monotonicMilliseconds() - start))
        }
        log.record(
          AuditRecord.snapshotEnded(
            context, .treeBusy, milliseconds: 0,
            waitedMilliseconds: Clock.monotonicMilliseconds() - start, mode: .detach,
            outputTail: [], time: Clock.now()))
        exit(ExitStatus.snapshotFailed)
      }
    } catch {
      log.fail(context, .area(path: plan.area.lockFile, detail: error.text))
    }
  }
  let outcome = takeSnapshot(plan, area: area, log: log, context: context)
  exit(outcome.isSuccess ? 0 : ExitStatus.snapshotFailed)
}
