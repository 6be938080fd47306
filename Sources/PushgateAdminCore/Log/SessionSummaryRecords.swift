// The parts of a session summary: what its transfer, snapshot and rotation records said.
import PushgateCore

extension SessionSummary {
  /// The `transfer-ended` record.
  public struct Transfer: Equatable, Sendable {
    /// rsync's exit status.
    public var status: Int?
    /// The signal that killed rsync.
    public var signal: Int?
    /// How long rsync ran.
    public var milliseconds: Int?
    /// What the session did (see ``SessionActivity/init(record:)``); `nil` when the record
    /// does not say.
    public var activity: SessionActivity?
    /// Whether the record has the counts below (an older record has none).
    public var hasCounts = false
    /// Items created, changed and deleted in the push module, from rsync's transfer log.
    public var created = 0
    /// See ``created``.
    public var changed = 0
    /// See ``created``.
    public var deleted = 0
    /// Bytes rsync received for them.
    public var bytesReceived = 0
    /// Items sent to the client.
    public var sent = 0
    /// Whether the gate could not read rsync's transfer log (the counts are then unknown).
    public var isTransferLogUnreadable = false
    /// What the client asked for (`RSYNC_REQUEST`), kept for listings and restores.
    public var request: String?
    /// `due`, `pending` or `skipped`.
    public var snapshot: String?
    /// Why the snapshot is pending or was skipped.
    public var snapshotReason: String?

    /// A transfer with the given end; the counts start at zero.
    public init(
      status: Int? = nil, signal: Int? = nil, milliseconds: Int? = nil,
      activity: SessionActivity? = nil, snapshot: String? = nil, snapshotReason: String? = nil
    ) {
      self.status = status
      self.signal = signal
      self.milliseconds = milliseconds
      self.activity = activity
      self.snapshot = snapshot
      self.snapshotReason = snapshotReason
    }

    /// Whether rsync's end is a failure of the key (``SessionActivity/isFailure(of:status:signal:)``).
    public var hasFailed: Bool {
      SessionActivity.isFailure(of: activity, status: status, signal: signal)
    }
  }

  /// The `snapshot-ended` record.
  public struct Snapshot: Equatable, Sendable {
    /// `ok`, `warning`, `failed`, `timeout`, `tree-busy` or `not-started`.
    public var result: String?
    /// The snapshot command's exit status.
    public var status: Int?
    /// The signal that killed the snapshot command.
    public var signal: Int?
    /// How long the snapshot ran.
    public var milliseconds: Int?
    /// The administrator's message, when it could not run.
    public var detail: String?
    /// The btrfs snapshot's name, when one was made.
    public var name: String? = nil

    /// Whether it failed: a result other than `ok` or `warning` (or, without a result, a
    /// non-zero status or a signal).
    public var hasFailed: Bool {
      if let result { return result != "ok" && result != "warning" }
      return signal != nil || (status ?? 0) != 0
    }
  }

  /// A `rotate-ended` record: `pushgate rotate LEVEL` ran (or skipped) one level of an area; or
  /// a `snapshot-deleted` record: root's `pushgate rotate` deleted one btrfs snapshot.
  public struct Rotation: Equatable, Sendable {
    /// The rsnapshot level.
    public var level: String?
    /// `ok`, `warning`, `failed`, `timeout`, `not-started`, `skipped` or `busy`.
    public var result: String?
    /// rsnapshot's exit status.
    public var status: Int?
    /// The signal that killed rsnapshot.
    public var signal: Int?
    /// Why it was skipped: `unchanged`, `min-interval` or `incomplete`.
    public var reason: String?
    /// How long rsnapshot ran.
    public var milliseconds: Int?
    /// How long it waited for the area.
    public var waitedMilliseconds: Int?
    /// The administrator's message, when rsnapshot could not start or a deletion failed.
    public var detail: String?
    /// The btrfs snapshot a `snapshot-deleted` record names.
    public var deleted: String?

    /// A rotation with the given fields.
    public init(
      level: String? = nil, result: String? = nil, status: Int? = nil, signal: Int? = nil,
      reason: String? = nil, milliseconds: Int? = nil, waitedMilliseconds: Int? = nil,
      detail: String? = nil, deleted: String? = nil
    ) {
      self.deleted = deleted
      self.level = level
      self.result = result
      self.status = status
      self.signal = signal
      self.reason = reason
      self.milliseconds = milliseconds
      self.waitedMilliseconds = waitedMilliseconds
      self.detail = detail
    }

    /// Whether it failed: anything but `ok`, `warning` and `skipped` (so `busy` too).
    public var hasFailed: Bool {
      !(result == "ok" || result == "warning" || result == "skipped")
    }

    /// Whether it had nothing to do: skipped because nothing was pending, or because the
    /// area's last snapshot is younger than `snapshot_min_interval`.
    public var isIdle: Bool {
      result == "skipped" && (reason == "unchanged" || reason == "min-interval")
    }
  }

  /// A `failed` record that came after the session was allowed (the gate could not record
  /// the area's state, or the detached snapshot could not start).
  public struct LateFailure: Equatable, Sendable {
    /// The `reason` code.
    public var reason: String?
    /// The `detail`.
    public var detail: String?

    /// A failure with the given fields.
    public init(reason: String? = nil, detail: String? = nil) {
      self.reason = reason
      self.detail = detail
    }
  }

  /// The fields of a `transfer-ended` record a row shows.
  ///
  /// Fields are looked up only where they can matter: a million records add up.
  static func transfer(_ entry: AuditEntry) -> Transfer {
    let status = entry.int("status")
    let snapshot = entry.string("snapshot").map { cut($0, 32) }
    var transfer = Transfer(
      status: status, signal: status == nil ? entry.int("signal") : nil,
      milliseconds: entry.int("duration_ms"), activity: SessionActivity(record: entry),
      snapshot: snapshot,
      snapshotReason: snapshot == "due" ? nil : entry.string("snapshot_reason").map { cut($0, 64) })
    switch transfer.activity {
    case .pushed?, .unchanged?:
      transfer.isTransferLogUnreadable = entry.has("transfer_log", "unreadable")
      guard let created = entry.int("created") else { break }
      transfer.hasCounts = true
      transfer.created = created
      transfer.changed = entry.int("changed") ?? 0
      transfer.deleted = entry.int("deleted") ?? 0
      transfer.bytesReceived = entry.int("bytes_received") ?? 0
    case .restored?, .listed?:
      transfer.sent = entry.int("sent") ?? 0
      transfer.request = entry.string("request").map { cut($0, 256) }
    default:
      break
    }
    return transfer
  }
}
