// The audit log's records: JSON Lines, flat keys in a fixed order. See docs/audit-log.md.

/// Renders the records of the audit log, one line each, version 1.
public enum AuditRecord {
  /// The format version written as `v`.
  public static let version = 1

  private static func start(_ event: String, _ context: SessionContext, time: Int, identity: Bool)
    -> JSONLine
  {
    var line = JSONLine()
    line.add("v", version)
    line.add("time", Timestamp.iso8601(time))
    line.add("session", context.session)
    line.add("event", event)
    line.add("key", context.key)
    if let peer = context.peer {
      line.add("peer", peer.address)
      line.add("port", peer.port)
    }
    if identity {
      if let key = context.publicKey {
        line.add("pubkey_type", key.type)
        line.add("pubkey", key.base64, limit: 16384)
      }
      line.add("user", context.user)
    }
    return line
  }

  private static func addCommand(_ context: SessionContext, to line: inout JSONLine) {
    guard let command = context.originalCommand else { return }
    line.add("command", command)
    if command.count > 256 { line.add("command_truncated", true) }
    line.add("command_bytes", command.count)
  }

  /// A refused session: the escaped command and the reason code.
  ///
  /// Every refusal carries the key's identity: a busy session has no other record that would.
  public static func refused(
    _ context: SessionContext, _ refusal: Refusal, time: Int, waitedMilliseconds: Int? = nil
  ) -> [UInt8] {
    var line = start("refused", context, time: time, identity: true)
    addCommand(context, to: &line)
    line.add("reason", refusal.code)
    if let waitedMilliseconds { line.add("wait_ms", waitedMilliseconds) }
    return line.line
  }

  /// A session the server could not serve.
  public static func failed(_ context: SessionContext, _ failure: Failure, time: Int) -> [UInt8] {
    var line = start("failed", context, time: time, identity: true)
    addCommand(context, to: &line)
    line.add("reason", failure.code)
    line.add("detail", failure.detail, limit: 512)
    if case .interrupted(let signal, let waitingFor, let waited) = failure {
      line.add("signal", Int(signal))
      line.add("signal_name", SignalName.of(signal))
      line.add("waiting_for", waitingFor)
      line.add("wait_ms", waited)
    }
    return line.line
  }

  /// An allowed session that holds a slot; written before rsync starts.
  public static func allowed(
    _ context: SessionContext, slot: Int, waitedMilliseconds: Int, pid: Int, time: Int
  ) -> [UInt8] {
    var line = start("allowed", context, time: time, identity: true)
    addCommand(context, to: &line)
    line.add("reason", "allowed")
    line.add("slot", slot)
    line.add("wait_ms", waitedMilliseconds)
    line.add("pid", pid)
    return line.line
  }

  /// rsync ended: its status, what the client asked for (the pre-xfer hook), what rsync recorded it
  /// changed, what the session was, and the snapshot decision.
  ///
  /// File names never appear: they are the client's.
  public static func transferEnded(
    _ context: SessionContext, _ end: ProcessEnd, milliseconds: Int, evidence: HookEvidence,
    changes: TransferChanges, activity: SessionActivity, decision: SnapshotDecision, time: Int,
    evidenceError: String? = nil
  ) -> [UInt8] {
    var line = start("transfer-ended", context, time: time, identity: false)
    end.record(into: &line)
    line.add("duration_ms", milliseconds)
    if let pre = evidence.pre.first {
      line.add("module", visible: pre.module, limit: 64)
      line.add("request", visible: pre.request, limit: 256)
      line.add("dry_run", pre.isDryRun)
      line.add("pull", pre.isPull)
      line.add("args", visible: pre.arguments.joined(separator: " "), limit: 512)
    }
    line.add("activity", activity.rawValue)
    line.add("created", changes.created)
    line.add("changed", changes.changed)
    line.add("deleted", changes.deleted)
    line.add("bytes_received", changes.bytesReceived)
    if changes.sent > 0 { line.add("sent", changes.sent) }
    if changes.isUnknown { line.add("transfer_log", "unreadable") }
    if let evidenceError { line.add("evidence_error", evidenceError, limit: 256) }
    line.add("snapshot", decision.code)
    if let reason = decision.reason { line.add("snapshot_reason", reason) }
    return line.line
  }

  /// The snapshot ended (in the session, or in the detached process).
  ///
  /// `interruptedBy` is a termination signal the gate received (and passed on to the snapshot).
  public static func snapshotEnded(
    _ context: SessionContext, _ outcome: SnapshotOutcome, milliseconds: Int,
    waitedMilliseconds: Int, mode: SnapshotMode, outputTail: [UInt8], interruptedBy: Int32? = nil,
    time: Int
  ) -> [UInt8] {
    var line = start("snapshot-ended", context, time: time, identity: false)
    outcome.record(into: &line)
    line.add("mode", mode.rawValue)
    line.add("wait_ms", waitedMilliseconds)
    line.add("duration_ms", milliseconds)
    if !outputTail.isEmpty { line.add("output", outputTail, limit: 1024) }
    if let interruptedBy { line.add("interrupted_by", SignalName.of(interruptedBy)) }
    return line.line
  }
}

extension SnapshotOutcome {
  /// `result`, then how rsnapshot ended (`status` or `signal`), why it did not start or btrfs
  /// refused (`detail`), or the btrfs snapshot's name (`snapshot`); a sync that did not
  /// complete adds `sync` (its own result code).
  package func record(into line: inout JSONLine) {
    line.add("result", code)
    var ended = self
    if case .syncFailed(let sync) = self {
      line.add("sync", sync.code)
      ended = sync
    }
    if case .ended(let end) = ended { end.record(into: &line) }
    switch ended {
    case .notStarted(let detail), .refused(let detail): line.add("detail", detail, limit: 512)
    case .created(let name): line.add("snapshot", name)
    default: break
    }
  }
}
