// One session of the audit log, summarised from its records as they stream past.
//
// A summary keeps only the few fields a row shows, each cut to a fixed length, so an open
// session costs a bounded amount of memory however the file was edited.
import PushgateCore

/// What `pushgate log` knows about one session: its decision, its transfer and its snapshot;
/// or about one run of `pushgate rotate` on one area (a `rotate-ended` record has a session
/// id of its own).
public struct SessionSummary: Equatable, Sendable {
  /// What the gate decided, from the session's `refused`, `failed` or `allowed` record.
  public enum Decision: Equatable, Sendable {
    /// A `refused` record.
    case refused
    /// A `failed` record.
    case failed
    /// An `allowed` record.
    case allowed
    /// No decision record was read (it was in a rotation that is gone).
    case unknown
  }

  /// How the summary came to be emitted.
  public enum Ending: Equatable, Sendable {
    /// The session's final record was read.
    case complete
    /// The input ended first: the session is still running, or was cut short.
    case open
    /// Too many sessions were open at once; this, the oldest, was given up.
    case evicted
  }

  /// The longest string kept from any field, in bytes.
  public static let fieldLimit = 512

  /// The `session` id.
  public let session: String
  /// The `time` of the session's first record, as written.
  public var time: String
  /// The `key` label.
  public var key: String
  /// The `peer` address.
  public var peer: String?
  /// The key's fingerprint, as the caller computed it from `pubkey_type` and `pubkey`.
  public var fingerprint: String?
  /// The decision.
  public var decision: Decision = .unknown
  /// The `reason` code.
  public var reason: String?
  /// The `command`, in the log's visible form.
  public var command: String?
  /// The `detail` of a failure.
  public var detail: String?
  /// The transfer, once it ended.
  public var transfer: Transfer?
  /// The snapshot, once it ended.
  public var snapshot: Snapshot?
  /// The rotation, for a `rotate-ended` or `snapshot-deleted` record (a session of its own).
  public var rotation: Rotation?
  /// A server failure after the session was allowed.
  public var lateFailure: LateFailure?
  /// How the summary ended.
  public var ending: Ending = .open
  /// The `time` of a `transfer-ended` record that made a snapshot due, as written.
  public var dueTime: String?
  /// The snapshot was due more than `snapshot_timeout` before the log was read and never ended: the
  /// gate was killed, or the machine stopped, mid-snapshot.
  ///
  /// A failure.
  public var snapshotNeverEnded = false

  /// A summary with nothing read yet, for a session whose first record says `time`.
  public init(session: String, time: String, key: String) {
    self.session = session
    self.time = time
    self.key = key
  }

  /// A summary started from a session's first record, whose `session` the caller read.
  init(first entry: AuditEntry, session: String) {
    self.init(
      session: session, time: Self.cut(entry.string("time") ?? "", 64),
      key: Self.cut(entry.string("key") ?? "", 128))
  }

  /// Takes in one more record of this session; returns whether it was the session's last.
  ///
  /// - Parameter fingerprint: Computes a key's fingerprint from `pubkey_type` and `pubkey`;
  ///   called only while the summary has none.
  public mutating func absorb(
    _ entry: AuditEntry, fingerprint: (_ type: String, _ base64: String) -> String?
  ) -> Bool {
    if peer == nil, let address = entry.string("peer") { peer = Self.cut(address, 64) }
    if key.isEmpty, let label = entry.string("key") { key = Self.cut(label, 128) }
    switch entry.event {
    case "refused":
      takeDecision(.refused, entry, fingerprint)
      return true
    case "failed":
      let detail = entry.string("detail").map { Self.cut($0, Self.fieldLimit) }
      if decision == .allowed || transfer != nil {
        // The gate failed after rsync started: keep what the session did.
        lateFailure = LateFailure(
          reason: entry.string("reason").map { Self.cut($0, 64) }, detail: detail)
      } else {
        takeDecision(.failed, entry, fingerprint)
        self.detail = detail
      }
      return true
    case "allowed":
      decision = .allowed
      takeFingerprint(entry, fingerprint)
      return false
    case "transfer-ended":
      let transfer = Self.transfer(entry)
      self.transfer = transfer
      if transfer.snapshot == "due" { dueTime = entry.string("time").map { Self.cut($0, 64) } }
      return transfer.snapshot != "due"
    case "snapshot-ended":
      let result = entry.string("result").map { Self.cut($0, 32) }
      let status = entry.int("status")
      snapshot = Snapshot(
        result: result, status: status, signal: status == nil ? entry.int("signal") : nil,
        milliseconds: entry.int("duration_ms"),
        detail: result == "ok" ? nil : entry.string("detail").map { Self.cut($0, Self.fieldLimit) },
        name: result == "ok" ? entry.string("snapshot").map { Self.cut($0, 64) } : nil)
      return true
    case "rotate-ended":
      let status = entry.int("status")
      rotation = Rotation(
        level: entry.string("level").map { Self.cut($0, 64) },
        result: entry.string("result").map { Self.cut($0, 32) }, status: status,
        signal: status == nil ? entry.int("signal") : nil,
        reason: entry.string("reason").map { Self.cut($0, 64) },
        milliseconds: entry.int("duration_ms"), waitedMilliseconds: entry.int("wait_ms"),
        detail: entry.string("detail").map { Self.cut($0, Self.fieldLimit) })
      return true
    case "snapshot-deleted":
      rotation = Rotation(
        result: entry.string("result").map { Self.cut($0, 32) },
        reason: entry.string("reason").map { Self.cut($0, 64) },
        detail: entry.string("detail").map { Self.cut($0, Self.fieldLimit) },
        deleted: entry.string("snapshot").map { Self.cut($0, 64) } ?? "?")
      return true
    default:
      // An event a later version adds: keep the session open, wait for a final record.
      return false
    }
  }

  private mutating func takeDecision(
    _ decision: Decision, _ entry: AuditEntry, _ fingerprint: (String, String) -> String?
  ) {
    self.decision = decision
    reason = entry.string("reason").map { Self.cut($0, 64) }
    command = entry.string("command").map { Self.cut($0, Self.fieldLimit) }
    takeFingerprint(entry, fingerprint)
  }

  private mutating func takeFingerprint(
    _ entry: AuditEntry, _ fingerprint: (String, String) -> String?
  ) {
    if self.fingerprint == nil, let type = entry.string("pubkey_type"),
      let base64 = entry.string("pubkey")
    {
      self.fingerprint = fingerprint(type, base64).map { Self.cut($0, 128) }
    }
  }

  /// Whether the session failed: a `failed` record, rsync ending non-zero or by a signal after a
  /// push (``Transfer/hasFailed``), a snapshot that ended other than `ok` or `warning`, a rotation
  /// that failed or found its area busy, or a due snapshot that never ended
  /// (``snapshotNeverEnded``).
  ///
  /// A listing, a dry run or a restore that ended badly is the client's business, not a failure.
  public var hasFailed: Bool {
    decision == .failed || lateFailure != nil || transfer?.hasFailed == true
      || snapshot?.hasFailed == true || rotation?.hasFailed == true || snapshotNeverEnded
  }

  /// `text` cut to at most `limit` bytes of UTF-8.
  static func cut(_ text: String, _ limit: Int) -> String {
    text.utf8.count <= limit ? text : String(decoding: text.utf8.prefix(limit), as: UTF8.self)
  }
}
