// Taking the snapshot, in the session (wait mode) or in a detached process (detach mode).
import Glibc
import PushgateCore
import PushgateSystem

/// Holds the tree exclusively (no push writes meanwhile), runs the snapshot with its timeout,
/// and logs the outcome. The locks go when the process exits.
func takeSnapshot(
  _ run: ProgramRun, settings: Settings, lock: LockFile, log: SessionLog, context: SessionContext
) -> SnapshotOutcome {
  let waitStart = Clock.monotonicMilliseconds()
  let outcome: SnapshotOutcome
  var tail: [UInt8] = []
  var runStart = waitStart
  do {
    if try lock.holdTreeExclusively(until: waitStart + settings.snapshotTimeout * 1000) {
      lock.publish(
        HolderRecord.render(context, pid: Int(getpid()), since: Clock.now()),
        at: HolderRecord.snapshotOffset)
      runStart = Clock.monotonicMilliseconds()
      let result = try Spawn.runCapturing(run, timeoutSeconds: settings.snapshotTimeout)
      tail = result.tail
      outcome = result.end.map(SnapshotOutcome.ended) ?? .timedOut
    } else {
      outcome = .treeBusy
    }
  } catch {
    outcome = .notStarted(detail: error.text)
  }
  let end = Clock.monotonicMilliseconds()
  log.record(
    AuditRecord.snapshotEnded(
      context, outcome, milliseconds: end - runStart, waitedMilliseconds: runStart - waitStart,
      mode: settings.snapshotMode, outputTail: tail, time: Clock.now()))
  return outcome
}

/// Starts `pushgate-serve --snapshot-session ID` in its own session with no descriptor to the
/// client, so the client is released now while the snapshot runs on.
func startDetachedSnapshot(config: String, plan: SessionPlan, context: SessionContext, log: SessionLog) {
  let run = plan.detachedSnapshot(config: config, context: context)
  let null = open("/dev/null", O_RDWR | O_CLOEXEC)
  defer { close(null) }
  do throws(SystemError) {
    _ = try Spawn.start(run, stdio: Spawn.Stdio(input: null, output: null, error: null), grouping: .newSession,
      diesWithUs: false)
  } catch {
    log.record(
      AuditRecord.snapshotEnded(
        context, .notStarted(detail: error.text), milliseconds: 0, waitedMilliseconds: 0,
        mode: .detach, outputTail: [], time: Clock.now()))
  }
}

/// The detached process: loads the settings again, takes the snapshot, logs it.
func runDetachedSnapshot(config: String, key: String, session: String) -> Never {
  var context = SessionContext.current(key: key)
  context.session = session
  guard case .success(let settings) = SettingsFile.load(config) else { exit(ExitStatus.settings) }
  let log = openLog(settings.auditLog)
  guard let plan = try? SessionPlan(settings: settings, context: context) else { exit(ExitStatus.osError) }
  let lock: LockFile
  do { lock = try LockFile.open(settings.lockFile) } catch {
    log.fail(context, .lockFile(path: settings.lockFile, detail: error.text))
  }
  let outcome = takeSnapshot(plan.snapshot, settings: settings, lock: lock, log: log, context: context)
  exit(outcome.isSuccess ? 0 : ExitStatus.snapshotFailed)
}
