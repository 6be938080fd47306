// Which sessions (or, with --json, which records) `pushgate log` shows.
//
// Times are compared as text: the log writes `YYYY-MM-DDTHH:MM:SSZ`, whose byte order is
// time order, so no record's time needs to be parsed. A time of any other shape never
// passes a --since or --until bound.
import PushgateCore

/// The filters of `pushgate log`; every one given must match.
public struct LogRowFilter: Equatable, Sendable {
  /// Only sessions (records) at or after this time, as `YYYY-MM-DDTHH:MM:SSZ`.
  public var since: String?
  /// Only sessions (records) before this time, as `YYYY-MM-DDTHH:MM:SSZ`.
  public var until: String?
  /// Only this exact key label.
  public var key: String?
  /// Refused sessions; with ``failed``, either kind.
  public var refused = false
  /// Failed sessions (see ``SessionSummary/hasFailed``); with ``refused``, either kind.
  public var failed = false
  /// Also rotations that had nothing to do (``SessionSummary/Rotation/isIdle``): cron runs
  /// the lowest level for every area every hour, and most runs find nothing pending.
  public var idleRotations = false

  /// A filter; `since` and `until` are seconds since the epoch.
  public init(
    since: Int? = nil, until: Int? = nil, key: String? = nil, refused: Bool = false,
    failed: Bool = false, idleRotations: Bool = false
  ) {
    self.since = since.map(Timestamp.iso8601)
    self.until = until.map(Timestamp.iso8601)
    self.key = key
    self.refused = refused
    self.failed = failed
    self.idleRotations = idleRotations
  }

  /// Whether a session passes, judged by its first record's time.
  public func admits(_ summary: SessionSummary) -> Bool {
    guard admitsTime(summary.time) else { return false }
    if let key, summary.key != key { return false }
    if !idleRotations, summary.rotation?.isIdle == true { return false }
    guard refused || failed else { return true }
    return (refused && summary.decision == .refused) || (failed && summary.hasFailed)
  }

  /// Whether a single record passes (the --json mode): its own time, key and event.
  public func admits(_ entry: AuditEntry) -> Bool {
    if since != nil || until != nil {
      guard let time = entry.string("time"), admitsTime(time) else { return false }
    }
    if let key, !entry.has("key", key) { return false }
    if !idleRotations, Self.isIdleRotation(entry) { return false }
    guard refused || failed else { return true }
    return (refused && entry.has("event", "refused")) || (failed && Self.reportsFailure(entry))
  }

  /// A `rotate-ended` record skipped for `unchanged` or `min-interval`.
  static func isIdleRotation(_ entry: AuditEntry) -> Bool {
    entry.has("event", "rotate-ended") && entry.has("result", "skipped")
      && (entry.has("reason", "unchanged") || entry.has("reason", "min-interval"))
  }

  private func admitsTime(_ time: String) -> Bool {
    guard since != nil || until != nil else { return true }
    guard Self.isTimestamp(time) else { return false }
    if let since, time < since { return false }
    if let until, time >= until { return false }
    return true
  }

  /// A record that reports a failure, by the rules of ``SessionSummary/hasFailed``: a
  /// `failed` record; a `transfer-ended` with a non-zero status or a signal after a push
  /// (``SessionActivity/isFailure(of:status:signal:)``); a `snapshot-ended` other than `ok`
  /// or `warning`; a `rotate-ended` other than `ok`, `warning` or `skipped`.
  static func reportsFailure(_ entry: AuditEntry) -> Bool {
    switch entry.event {
    case "failed": return true
    case "transfer-ended":
      let status = entry.int("status")
      return SessionActivity.isFailure(
        of: SessionActivity(record: entry), status: status,
        signal: status == nil ? entry.int("signal") : nil)
    case "snapshot-ended":
      guard let result = entry.string("result") else {
        return entry.int("signal") != nil || (entry.int("status") ?? 0) != 0
      }
      return result != "ok" && result != "warning"
    case "rotate-ended":
      let result = entry.string("result")
      return !(result == "ok" || result == "warning" || result == "skipped")
    case "snapshot-deleted": return !entry.has("result", "ok")
    default: return false
    }
  }

  /// Whether `text` has the shape `YYYY-MM-DDTHH:MM:SSZ` (digits where digits go).
  public static func isTimestamp(_ text: String) -> Bool {
    var text = text
    return text.withUTF8 { utf8 in
      guard utf8.count == 20 else { return false }
      for (index, expected) in zip(0..<20, timestampPattern) {
        let byte = utf8[index]
        let matches =
          expected == UInt8(ascii: "0")
          ? (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) : byte == expected
        if !matches { return false }
      }
      return true
    }
  }

  private static let timestampPattern = Array("0000-00-00T00:00:00Z".utf8)

  /// Parses a --since or --until value: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SSZ`, or a time
  /// before `now` such as `30m`, `24h`, `7d` (also `s` and `w`); `nil` for anything else.
  public static func time(_ text: String, now: Int) -> Int? {
    if let absolute = Timestamp.parse(text) { return absolute }
    // A relative time needs its unit: a bare number would read as seconds, which nobody means.
    guard let unit = text.utf8.last, unit >= UInt8(ascii: "a"), unit <= UInt8(ascii: "z"),
      let seconds = AgeText.seconds(text), seconds <= now
    else { return nil }
    return now - seconds
  }
}
