// The audit records of `pushgate rotate`: one per level and area it ran or skipped (rsnapshot),
// one per snapshot it deleted (btrfs).
import PushgateCore

extension AuditRecord {
  /// `pushgate rotate` ran (or skipped) one level of one area.
  ///
  /// `session` is a fresh id.
  public static func rotateEnded(
    session: String, key: String, level: String, result: RotateResult, milliseconds: Int,
    waitedMilliseconds: Int, outputTail: [UInt8], time: Int
  ) -> [UInt8] {
    var line = rotationLine("rotate-ended", session: session, key: key, time: time)
    line.add("level", level)
    switch result {
    case .ran(let outcome): outcome.record(into: &line)
    case .skipped(let reason):
      line.add("result", result.code)
      line.add("reason", reason)
    case .busy: line.add("result", result.code)
    }
    line.add("wait_ms", waitedMilliseconds)
    line.add("duration_ms", milliseconds)
    if !outputTail.isEmpty { line.add("output", outputTail, limit: 1024) }
    return line.line
  }
}

extension AuditRecord {
  /// Root's `pushgate rotate` deleted (or failed to delete) one btrfs snapshot that `preserve`
  /// no longer keeps; `reason` is the retention's verdict, `detail` the error if it failed.
  public static func snapshotDeleted(
    session: String, key: String, snapshot: String, reason: String, detail: String?, time: Int
  ) -> [UInt8] {
    var line = rotationLine("snapshot-deleted", session: session, key: key, time: time)
    line.add("snapshot", snapshot)
    line.add("result", detail == nil ? "ok" : "failed")
    line.add("reason", reason)
    if let detail { line.add("detail", detail, limit: 512) }
    return line.line
  }
}

extension AuditRecord {
  /// The fields every record of `pushgate rotate` starts with: its own session, no peer.
  fileprivate static func rotationLine(
    _ event: String, session: String, key: String, time: Int
  ) -> JSONLine {
    var line = JSONLine()
    line.add("v", version)
    line.add("time", Timestamp.iso8601(time))
    line.add("session", session)
    line.add("event", event)
    line.add("key", key)
    return line
  }
}

/// What `pushgate rotate` did with one area.
public enum RotateResult: Equatable, Sendable {
  /// It ran the level; the outcome of rsnapshot.
  case ran(SnapshotOutcome)
  /// It had nothing to do: the lowest level with nothing pending (`unchanged`), pending
  /// changes younger than the interval (`min-interval`) or a push cut short (`incomplete`).
  case skipped(reason: String)
  /// The area stayed busy (pushes or a snapshot) for the whole wait.
  case busy

  /// The stable result code.
  public var code: String {
    switch self {
    case .ran(let outcome): outcome.code
    case .skipped: "skipped"
    case .busy: "busy"
    }
  }

  /// Whether cron should hear about it.
  public var isFailure: Bool {
    switch self {
    case .ran(let outcome): !outcome.isSuccess
    case .skipped: false
    case .busy: true
    }
  }
}
