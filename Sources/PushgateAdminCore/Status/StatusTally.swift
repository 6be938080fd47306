// The audit log summed up per key label, in one pass with bounded memory, for pushgate status.
//
// Every record carries its key, so little is remembered between records: each key keeps a
// small fixed-size summary, and at most `keyLimit` keys are tracked. The one exception is a
// snapshot that is due: its session is remembered (at most `keyLimit` of them) until its
// `snapshot-ended` arrives, and one that never arrives within `snapshot_timeout` of being due
// is a failure (``finish()``): a gate killed mid-snapshot leaves exactly that. Records stamped
// after `now` are ignored (the report describes the log as it was at `now`).
import PushgateCore

/// What happened on one day, for the timeline.
public struct DayMarks: OptionSet, Equatable, Sendable {
  /// The raw bits.
  public let rawValue: UInt8
  /// Creates marks from bits.
  public init(rawValue: UInt8) { self.rawValue = rawValue }
  /// A push into the area ended well or changed it (activity `pushed` or `unchanged`).
  public static let pushed = DayMarks(rawValue: 1)
  /// A snapshot was taken.
  public static let snapshotted = DayMarks(rawValue: 2)
  /// Something failed.
  public static let failed = DayMarks(rawValue: 4)
}

/// The summary of one key label.
public struct KeySummary: Equatable, Sendable {
  /// The latest time the area held the whole tree safely (see ``StatusEvent``), seconds
  /// since the epoch: the key's freshness.
  public var lastBackup: Int?
  /// The latest snapshot taken.
  public var lastSnapshot: Int?
  /// The latest failure.
  public var lastFailure: Int?
  /// Why the latest failure happened.
  public var lastFailureReason = ""
  /// Sessions that changed the area in the 24 hours before `now`.
  public var pushesLastDay = 0
  /// Sessions refused in the 24 hours before `now`.
  public var refusalsLastDay = 0
  /// Failures in the whole log read.
  public var failures = 0
  /// Refusals in the whole log read.
  public var refusals = 0
  /// Sessions that changed the area (activity `pushed`) in the whole log read.
  public var pushes = 0
  /// One entry per day, oldest first; the last is the day of `now` (UTC).
  public var days = [DayMarks](repeating: [], count: StatusTally.dayCount)

  /// An empty summary.
  public init() {}
}

/// The audit log summed up per key.
public struct StatusTally: Sendable {
  /// Days in the timeline.
  public static let dayCount = 30
  /// The default number of keys tracked.
  public static let defaultKeyLimit = 10_000

  /// The moment the report describes, seconds since the epoch.
  public let now: Int
  /// The rsnapshot level pushes trigger (`retain`'s first): its rotations are snapshots.
  public let lowestLevel: String
  /// At most this many keys are tracked; records of further keys are only counted.
  public let keyLimit: Int
  /// The summary of each key label seen.
  public private(set) var keys: [String: KeySummary] = [:]
  /// Records counted (well-formed, with a time not after `now`).
  public private(set) var records = 0
  /// Records of keys beyond `keyLimit`, left out of `keys`.
  public private(set) var untrackedRecords = 0
  /// Lines of the log that are not records (torn, edited or not JSON); the reader counts them.
  public var damagedLines = 0
  /// How long a due snapshot may take before its missing end counts as a failure.
  public let snapshotTimeout: Int
  /// Sessions whose snapshot is due and has not ended: session id to key and time due.
  private var dueSnapshots: [String: (key: String, time: Int)] = [:]
  /// The date part of the last time parsed, and its midnight: records of one day share it,
  /// so Timestamp.parse runs about once per day of log instead of once per record.
  private var lastDate: (text: [UInt8], midnight: Int)?

  /// An empty tally for a report at `now`; without settings, `lowestLevel` is the default
  /// first level of `retain`.
  public init(
    now: Int, lowestLevel: String = RetainLevel.defaults[0].name,
    keyLimit: Int = StatusTally.defaultKeyLimit, snapshotTimeout: Int = 3600
  ) {
    self.now = now
    self.snapshotTimeout = snapshotTimeout
    self.lowestLevel = lowestLevel
    self.keyLimit = keyLimit
  }

  /// Adds one record read from the log.
  public mutating func add(_ entry: AuditEntry) {
    guard let text = entry.string("time"), let time = seconds(text) else { return }
    add(StatusEvent(entry, lowestLevel: lowestLevel), key: entry.key ?? "", time: time)
    guard time <= now, let session = entry.string("session") else { return }
    if entry.event == "transfer-ended", entry.has("snapshot", "due"),
      dueSnapshots.count < keyLimit
    {
      dueSnapshots[session] = (entry.key ?? "", time)
    } else if entry.event == "snapshot-ended" {
      dueSnapshots[session] = nil
    }
  }

  /// The reason a due snapshot that never ended is reported with.
  public static let snapshotNeverEnded = "snapshot due, never ended"

  /// Counts each snapshot that was due more than `snapshotTimeout` before `now` and never ended as
  /// a failure of its key, at the time it was due.
  ///
  /// Call once, after the last record.
  public mutating func finish() {
    let overdue = dueSnapshots.filter { now - $0.value.time > snapshotTimeout }
    dueSnapshots = dueSnapshots.filter { now - $0.value.time <= snapshotTimeout }
    for (key, time) in overdue.values.sorted(by: { $0.time < $1.time }) {
      guard keys[key] != nil else { continue }
      Self.update(
        &keys[key, default: KeySummary()], StatusEvent(failure: Self.snapshotNeverEnded),
        time: time, recent: time > now - 86400, day: Self.dayIndex(of: time, now: now))
    }
  }

  /// `YYYY-MM-DDTHH:MM:SSZ` as seconds since the epoch, like Timestamp.parse.
  mutating func seconds(_ text: String) -> Int? {
    let utf8 = Array(text.utf8)
    guard utf8.count == 20, utf8[10] == UInt8(ascii: "T"), utf8[13] == UInt8(ascii: ":"),
      utf8[16] == UInt8(ascii: ":"), utf8[19] == UInt8(ascii: "Z")
    else { return nil }
    func number(_ at: Int) -> Int? {
      let high = Int(utf8[at]) - 48
      let low = Int(utf8[at + 1]) - 48
      guard (0...9).contains(high), (0...9).contains(low) else { return nil }
      return high * 10 + low
    }
    guard let hour = number(11), let minute = number(14), let second = number(17),
      hour < 24, minute < 60, second < 61
    else { return nil }
    let date = utf8[0..<10]
    if lastDate.map({ !$0.text.elementsEqual(date) }) ?? true {
      guard let midnight = Timestamp.parse(String(decoding: date, as: UTF8.self)) else {
        return nil
      }
      lastDate = (Array(date), midnight)
    }
    guard let midnight = lastDate?.midnight else { return nil }
    return midnight + hour * 3600 + minute * 60 + second
  }

  /// Adds one classified event of `key` at `time`.
  public mutating func add(_ event: StatusEvent, key: String, time: Int) {
    guard time <= now else { return }
    records += 1
    if keys[key] == nil {
      guard keys.count < keyLimit else {
        untrackedRecords += 1
        return
      }
      keys[key] = KeySummary()
    }
    let recent = time > now - 86400
    let day = Self.dayIndex(of: time, now: now)
    // Mutating in place through the dictionary's accessor avoids copying the day array.
    Self.update(&keys[key, default: KeySummary()], event, time: time, recent: recent, day: day)
  }

  private static func update(
    _ summary: inout KeySummary, _ event: StatusEvent, time: Int, recent: Bool, day: Int?
  ) {
    var mark: DayMarks = []
    if event.changedArea {
      summary.pushes += 1
      if recent { summary.pushesLastDay += 1 }
    }
    if event.changedArea || event.heldTree { mark.insert(.pushed) }
    if event.tookSnapshot {
      summary.lastSnapshot = max(summary.lastSnapshot ?? time, time)
      mark.insert(.snapshotted)
    }
    if event.tookSnapshot || event.heldTree {
      summary.lastBackup = max(summary.lastBackup ?? time, time)
    }
    if event.isRefusal {
      summary.refusals += 1
      if recent { summary.refusalsLastDay += 1 }
    }
    if let reason = event.failure {
      summary.failures += 1
      if time >= summary.lastFailure ?? Int.min {
        summary.lastFailure = time
        summary.lastFailureReason = reason
      }
      mark.insert(.failed)
    }
    if let day, !mark.isEmpty { summary.days[day].insert(mark) }
  }

  /// The timeline cell of `time`, or `nil` when it is more than `dayCount - 1` UTC days
  /// before the day of `now` (or after it).
  public static func dayIndex(of time: Int, now: Int) -> Int? {
    let back = floorDay(now) - floorDay(time)
    guard back >= 0, back < dayCount else { return nil }
    return dayCount - 1 - back
  }

  private static func floorDay(_ seconds: Int) -> Int {
    seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
  }

  /// The keys in the order reports list them: by label, as bytes.
  public var sortedKeys: [String] {
    keys.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
  }
}
