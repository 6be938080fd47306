// One ssh session, top to bottom: decide, take a slot, run rsync, decide on and take the snapshot.
import Glibc
import PushgateCore
import PushgateSystem

/// Serves one session and exits. Every outcome is logged before the next step.
func serve(config: String, key: String) -> Never {
  let context = SessionContext.current(key: key)
  let settings: Settings
  switch SettingsFile.load(config) {
  case .success(let loaded): settings = loaded
  case .failure(let error):
    // Fail closed: log where we can, tell the client one line, never serve.
    let fallback = try? AuditLogFile.open(error.auditLog)
    try? fallback?.append(AuditRecord.failed(context, error.failure, time: Clock.now()))
    stop(error.failure.clientMessage, status: error.failure.exitStatus)
  }
  let log = openLog(settings.auditLog)

  let plan: SessionPlan
  switch Gate.decide(settings: settings, context: context) {
  case .refuse(let refusal):
    log.record(AuditRecord.refused(context, refusal, time: Clock.now()))
    stop(refusal.message, status: refusal.exitStatus)
  case .fail(let failure):
    log.fail(context, failure)
  case .allow(let allowed):
    plan = allowed
  }

  let lock: LockFile
  do { lock = try LockFile.open(settings.lockFile) } catch {
    log.fail(context, .lockFile(path: settings.lockFile, detail: error.text))
  }
  let waitStart = Clock.monotonicMilliseconds()
  let deadline = waitStart + settings.slotWait * 1000
  let slot: Int
  do {
    guard let free = try lock.acquireSlot(count: settings.maxConnections, until: deadline) else {
      refuseInDaemonProtocol(.busy(limit: settings.maxConnections), context, log, since: waitStart)
    }
    slot = free
    guard try lock.shareTree(until: deadline) else {
      // The refusal waits for the client's lines; a slot held meanwhile would turn the next
      // client away as busy.
      lock.releaseSlot(free)
      refuseInDaemonProtocol(.snapshotRunning, context, log, since: waitStart)
    }
  } catch {
    log.fail(context, .lockFile(path: settings.lockFile, detail: error.text))
  }
  lock.publish(
    HolderRecord.render(context, pid: Int(getpid()), since: Clock.now()),
    at: HolderRecord.slotOffset(slot))
  do { try EvidenceFile.create(directory: settings.evidenceDirectory, path: plan.evidencePath) } catch {
    log.fail(context, .evidence(path: plan.evidencePath, detail: error.text))
  }
  // A gate killed mid-session cannot remove its evidence; the next session does.
  EvidenceFile.prune(
    directory: settings.evidenceDirectory,
    keeping: lock.otherLiveSessions(slots: settings.maxConnections).union([context.session]),
    graceSeconds: 60)
  log.record(
    AuditRecord.allowed(
      context, slot: slot, waitedMilliseconds: Clock.monotonicMilliseconds() - waitStart,
      pid: Int(getpid()), time: Clock.now()))

  let transferStart = Clock.monotonicMilliseconds()
  let transfer: ProcessEnd
  do { transfer = try runForwardingSignals(plan.rsync) } catch {
    _ = EvidenceFile.consume(path: plan.evidencePath, limit: 0)
    log.fail(context, .spawn(program: plan.rsync.path, detail: error.text))
  }
  lock.releaseTree()
  let evidence = HookEvidence.parse(
    EvidenceFile.consume(path: plan.evidencePath, limit: HookEvidence.maximumSize))
  let decision = SnapshotDecision.decide(transfer: transfer, evidence: evidence, settings: settings)
  log.record(
    AuditRecord.transferEnded(
      context, transfer, milliseconds: Clock.monotonicMilliseconds() - transferStart,
      evidence: evidence, decision: decision, time: Clock.now()))
  guard decision == .due else { exit(transfer.passedOnStatus) }

  switch settings.snapshotMode {
  case .wait:
    let outcome = takeSnapshot(plan.snapshot, settings: settings, lock: lock, log: log, context: context)
    Descriptors.report(outcome.clientMessage)
    exit(outcome.isSuccess ? transfer.passedOnStatus : ExitStatus.snapshotFailed)
  case .detach:
    startDetachedSnapshot(config: config, plan: plan, context: context, log: log)
    exit(transfer.passedOnStatus)
  }
}

/// Starts rsync on our stdin/stdout/stderr and waits, passing SIGTERM/SIGHUP/SIGINT on.
private func runForwardingSignals(_ run: ProgramRun) throws(SystemError) -> ProcessEnd {
  let pid = try Spawn.start(run)
  pg_forward(pid)
  defer { pg_forward(0) }
  return Spawn.wait(pid)
}

/// Refuses an allowed-form session the way a real rsync daemon does: `@ERROR:` on stdout.
private func refuseInDaemonProtocol(
  _ refusal: Refusal, _ context: SessionContext, _ log: SessionLog, since start: Int
) -> Never {
  log.record(
    AuditRecord.refused(
      context, refusal, time: Clock.now(),
      waitedMilliseconds: Clock.monotonicMilliseconds() - start))
  DaemonRefusal.send(refusal.message)
  exit(refusal.exitStatus)
}
