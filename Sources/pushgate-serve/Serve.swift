// One ssh session, top to bottom: decide, take the key's area and a slot, run rsync, read what
// rsync recorded it did, decide on the snapshot and take it.
import Glibc
import PushgateCore
import PushgateSystem

/// Serves one session and exits.
///
/// Every outcome is logged before the next step.
func serve(config: String, key: String) -> Never {
  // From here on SIGTERM, SIGHUP and SIGINT are noted, not fatal: a wait stops on one and the
  // session is logged as interrupted; rsync and the snapshot get them passed on.
  Signals.catchTermination(true)
  let context = SessionContext.current(key: key)
  let settings = loadSettings(config, context)
  let log = openLog(settings)

  // The command first: a refused command costs no file read.
  if case .refuse(let refusal) = Gate.classify(settings: settings, context: context) {
    log.record(AuditRecord.refused(context, refusal, time: Clock.now()))
    stop(refusal.message, status: refusal.exitStatus)
  }
  let waitStart = Clock.monotonicMilliseconds()
  var plan: SessionPlan
  switch Gate.decide(
    settings: settings, context: context, facts: AreaFiles.gateFacts(settings, key: key))
  {
  case .refuse(let refusal):
    refuseInDaemonProtocol(refusal, context, log, since: waitStart)
  case .fail(let failure):
    log.fail(context, failure)
  case .allow(let allowed):
    plan = allowed
  }

  // The key's area first, then a slot of the root: a session waiting for its own key's area
  // holds no slot, so it can never keep another key out.
  let area: AreaLock
  do { area = try AreaLock.open(plan.area) } catch {
    log.fail(context, .area(path: plan.area.lockFile, detail: error.text))
  }
  let lock: LockFile
  do { lock = try LockFile.open(settings.lockFile) } catch {
    log.fail(context, .lockFile(path: settings.lockFile, detail: error.text))
  }
  let deadline = waitStart + settings.slotWait * 1000
  let slot: Int
  do {
    guard try area.acquire(until: deadline) else {
      stopIfSignaled(waitingFor: "area", context, log, since: waitStart)
      refuseInDaemonProtocol(
        area.isSnapshotRunning ? .snapshotRunning : .keyBusy, context, log, since: waitStart)
    }
    guard let free = try lock.acquireSlot(count: settings.maxConnections, until: deadline) else {
      stopIfSignaled(waitingFor: "slot", context, log, since: waitStart)
      // The refusal waits for the client's lines; the area held meanwhile would turn this
      // key's next session away.
      area.release()
      refuseInDaemonProtocol(.busy(limit: settings.maxConnections), context, log, since: waitStart)
    }
    slot = free
    stopIfSignaled(waitingFor: "slot", context, log, since: waitStart)
  } catch {
    log.fail(context, .lockFile(path: settings.lockFile, detail: error.text))
  }
  let holder = HolderRecord.render(context, pid: Identity.processId, since: Clock.now())
  lock.publish(holder, slot: slot)
  // For monitoring, which cannot read the lock file: never waits, never stops the session.
  HoldersFile.publish(holder, slot: slot, path: settings.holdersFile)
  area.publishSession(holder)
  // The evidence files are the slot's own: no other session writes, reads or removes them.
  do { plan = try SessionPlan(settings: settings, context: context, slot: slot) } catch {
    log.fail(context, error)
  }
  do {
    try EvidenceFile.create(
      directory: settings.evidenceDirectory, paths: [plan.evidencePath, plan.transferLogPath])
  } catch {
    log.fail(context, .evidence(path: plan.evidencePath, detail: error.text))
  }
  // Room for rsync's transfer log and the hook's line now: on a full disk rsync would write
  // neither and still exit 0. Without room the session still runs; its changes count unknown.
  let reserveProblem =
    (EvidenceFile.reserve(path: plan.transferLogPath, bytes: 65536)
    ?? EvidenceFile.reserve(path: plan.evidencePath, bytes: 4096))?.text
  log.record(
    AuditRecord.allowed(
      context, slot: slot, waitedMilliseconds: Clock.monotonicMilliseconds() - waitStart,
      pid: Identity.processId, time: Clock.now()))

  // Until rsync's end is judged the area may hold a partial push: marked incomplete (never
  // snapshotted by itself; the next whole push takes it), so a gate killed from here on never
  // leaves a partial tree marked complete or unmarked. Put back below if nothing changed.
  let stateBefore = AreaFiles.state(plan.area)
  let premarked =
    stateBefore.pending != .incomplete
    && (try? AreaFiles.setPending(plan.area, .incomplete)) != nil
  let transferStart = Clock.monotonicMilliseconds()
  let transfer: ProcessEnd
  do { transfer = try runForwardingSignals(plan.rsync) } catch {
    if premarked { try? AreaFiles.setPending(plan.area, stateBefore.pending) }
    _ = EvidenceFile.consume(path: plan.evidencePath, limit: 0)
    _ = EvidenceFile.consume(path: plan.transferLogPath, limit: 0)
    log.fail(context, .spawn(program: plan.rsync.path, detail: error.text))
  }
  let evidence = HookEvidence.parse(
    EvidenceFile.consume(path: plan.evidencePath, limit: HookEvidence.maximumSize))
  var transferLog = TransferLog(tag: plan.transferTag, pushModule: settings.pushModule)
  let readToEnd = EvidenceFile.consumeTransferLog(path: plan.transferLogPath, into: &transferLog)
  let judged = SessionEvidence.judge(
    log: transferLog, readToEnd: readToEnd, reserveProblem: reserveProblem, transfer: transfer,
    settings: settings)
  let changes = judged.changes
  let activity = SessionActivity.classify(
    changes: changes, evidence: evidence, transfer: transfer, pushModule: settings.pushModule)
  let decision = SnapshotDecision.decide(
    transfer: transfer, changes: changes, activity: activity, area: stateBefore,
    now: Clock.now(), settings: settings)
  // The area holds changes no snapshot has taken yet, from now until a snapshot succeeds: marked
  // before the record, so a gate killed in between (or during the snapshot, or a reboot) leaves
  // it pending for the next push or `pushgate rotate`, instead of losing it from the history.
  var markFailure: SystemError?
  if decision.pendingMark != .none {
    do { try AreaFiles.setPending(plan.area, decision.pendingMark) } catch { markFailure = error }
  } else if premarked {
    // Nothing changed: the area is as before (a mark left incomplete costs only a snapshot).
    try? AreaFiles.setPending(plan.area, stateBefore.pending)
  }
  log.record(
    AuditRecord.transferEnded(
      context, transfer, milliseconds: Clock.monotonicMilliseconds() - transferStart,
      evidence: evidence, changes: changes, activity: activity, decision: decision,
      time: Clock.now(), evidenceError: judged.problem))
  if judged.problem != nil { Descriptors.report(SessionEvidence.clientMessage) }

  switch decision {
  case .skipped:
    exit(transfer.passedOnStatus)
  case .pending, .due:
    var snapshotNow = decision == .due
    if let error = markFailure {
      let failure = Failure.area(path: plan.area.pendingFile, detail: error.text)
      guard decision.snapshotsWhenPendingIsLost else { log.fail(context, failure) }
      // A deferral that cannot be recorded would be forgotten: snapshot now instead.
      log.record(AuditRecord.failed(context, failure, time: Clock.now()))
      if !snapshotNow { Descriptors.report(SnapshotDecision.pendingLostMessage) }
      snapshotNow = true
    }
    guard snapshotNow else { exit(transfer.passedOnStatus) }
  }
  switch settings.snapshotMode {
  case .wait:
    let outcome = takeSnapshot(plan, area: area, log: log, context: context)
    Descriptors.report(outcome.clientMessage)
    exit(outcome.isSuccess ? transfer.passedOnStatus : ExitStatus.snapshotFailed)
  case .detach:
    startDetachedSnapshot(config: config, plan: plan, area: area, context: context, log: log)
    exit(transfer.passedOnStatus)
  }
}

/// Starts rsync on our stdin/stdout/stderr and waits, passing SIGTERM/SIGHUP/SIGINT on.
private func runForwardingSignals(_ run: ProgramRun) throws(SystemError) -> ProcessEnd {
  let pid = try Spawn.start(run)
  Signals.forward(to: pid)
  defer { Signals.forward(to: 0) }
  return Spawn.wait(pid)
}

/// Ends a wait that a termination signal cut short: logs it and exits 128+N.
private func stopIfSignaled(
  waitingFor: String, _ context: SessionContext, _ log: SessionLog, since start: Int
) {
  guard let signal = Signals.received else { return }
  log.fail(
    context,
    .interrupted(
      signal: signal, waitingFor: waitingFor,
      waitedMilliseconds: Clock.monotonicMilliseconds() - start))
}

/// Refuses an allowed-form session the way a real rsync daemon does: `@ERROR:` on stdout.
private func refuseInDaemonProtocol(
  _ refusal: Refusal, _ context: SessionContext, _ log: SessionLog, since start: Int
) -> Never {
  log.record(
    AuditRecord.refused(
      context, refusal, time: Clock.now(),
      waitedMilliseconds: Clock.monotonicMilliseconds() - start))
  // The refusal is logged: a signal while the client's lines are read ends us as it would.
  Signals.catchTermination(false)
  DaemonRefusal.send(refusal.message)
  exit(refusal.exitStatus)
}
