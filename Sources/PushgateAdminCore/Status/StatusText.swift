// pushgate status for people: a table of keys, a 30-day timeline, the slots in use.
//
// Every byte from the log or a holder record passes through VisibleBytes. The timeline uses
// UTF-8 block characters; everything else is ASCII.
import PushgateCore

/// Everything `pushgate status` reports, gathered before rendering.
public struct StatusReport: Sendable {
  /// The log summed up.
  public var tally: StatusTally
  /// The slots.
  public var locks: LockReport
  /// The key areas.
  public var areas: AreaListing
  /// The log's path, as shown.
  public var log: String
  /// `--max-age` and `--warn-age`, when given.
  public var thresholds: AgeThresholds?

  /// A report.
  public init(
    tally: StatusTally, locks: LockReport, areas: AreaListing = .notAsked, log: String,
    thresholds: AgeThresholds? = nil
  ) {
    self.tally = tally
    self.locks = locks
    self.areas = areas
    self.log = log
    self.thresholds = thresholds
  }
}

/// The timeline's cells and legend.
public enum TimelineCell {
  /// The character for a day's marks.
  ///
  /// A day with a snapshot and a failure gets its own mark, so a failure is never hidden by a later
  /// success.
  public static func character(_ marks: DayMarks) -> Character {
    if marks.contains(.snapshotted) { return marks.contains(.failed) ? "▓" : "█" }
    if marks.contains(.failed) { return "x" }
    if marks.contains(.pushed) { return "░" }
    return "·"
  }

  /// The legend line.
  public static let legend =
    "█ snapshot  ▓ snapshot and a failure  x failure  ░ pushed, no new snapshot  · nothing"
}

extension StatusReport {
  /// The text report.
  public func text() -> String {
    let now = tally.now
    var out = "pushgate status at \(Timestamp.iso8601(now)) (times UTC)\n"
    out += "log \(Self.visible(log, limit: 4096))" + Self.damagedNote(tally.damagedLines) + "\n\n"
    let keys = keyStatuses
    if keys.isEmpty {
      out += areas == .notAsked ? "no records\n" : "no areas and no records\n"
    } else {
      out += keyTable(keys) + "\n" + timeline(keys)
    }
    if tally.untrackedRecords > 0 {
      out +=
        "\(tally.untrackedRecords) records of keys beyond the first \(tally.keyLimit) not shown\n"
    }
    return out + "\n" + Self.columns(bottomRows(keys), rightAligned: [])
  }

  /// `, N damaged lines skipped` after the log's path, or nothing.
  static func damagedNote(_ count: Int) -> String {
    count == 0 ? "" : count == 1 ? ", 1 damaged line skipped" : ", \(count) damaged lines skipped"
  }

  /// The columns `now` and `pending` appear when the areas were listed.
  private func keyTable(_ keys: [KeyStatus]) -> String {
    let now = tally.now
    let hasAreas = if case .listed = areas { true } else { false }
    var header = ["key", "last backup", "last snapshot", "pushes 24h", "refused 24h"]
    if hasAreas { header += ["now", "pending"] }
    let counts = keys.contains { ($0.area?.snapshots ?? .notCounted) != .notCounted }
    if counts { header.append("snapshots") }
    header.append("last failure")
    if thresholds != nil { header.insert("state", at: 0) }
    var rows = [header]
    for key in keys {
      let summary = key.summary
      var failure = "-"
      if let time = summary.lastFailure {
        failure =
          Self.when(time, now: now) + " " + Self.visible(summary.lastFailureReason, limit: 256)
      }
      var row = [
        Self.label(key.label), key.lastBackup.map { Self.when($0, now: now) } ?? "never",
        key.lastSnapshot.map { AgeText.render(now - $0) + " ago" } ?? "never",
        String(summary.pushesLastDay), String(summary.refusalsLastDay),
      ]
      if hasAreas { row += Self.areaCells(key) }
      if counts { row.append(Self.snapshotCell(key.area?.snapshots ?? .notCounted)) }
      row.append(failure)
      if let thresholds {
        row.insert(key.isRetired ? "-" : freshness(key, thresholds).word, at: 0)
      }
      rows.append(row)
    }
    let numeric: Set<Int> = thresholds == nil ? [3, 4] : [4, 5]
    return Self.columns(rows, rightAligned: numeric)
  }

  /// `now` and `pending` for one key.
  private static func areaCells(_ key: KeyStatus) -> [String] {
    guard let area = key.area else { return ["no area", "-"] }
    let now: String
    switch area.activity {
    case .idle: now = "idle"
    case .session: now = "session"
    case .snapshot: now = "snapshot"
    case .unknown: now = "unknown"
    }
    let pending: String
    switch area.pending {
    case .none?: pending = "no"
    case .complete?: pending = "yes"
    // A session marks its area incomplete while rsync runs (pushgate-serve(8)): its own mark.
    case .incomplete? where area.activity == .session: pending = "running"
    case .incomplete?: pending = "incomplete"
    case nil: pending = "unknown"
    }
    return [now, pending]
  }

  /// A btrfs area's snapshots: `14, newest 2026-11-30T120312Z`, `0`, or `unknown`; `-` for an
  /// rsnapshot area.
  private static func snapshotCell(_ count: SnapshotCount) -> String {
    switch count {
    case .notCounted: "-"
    case .unreadable: "unknown"
    case .counted(let count, let newest):
      String(count) + (newest.map { ", newest " + visible($0, limit: 64) } ?? "")
    }
  }

  private func timeline(_ keys: [KeyStatus]) -> String {
    let now = tally.now
    let first = Timestamp.iso8601(now - (StatusTally.dayCount - 1) * 86400).prefix(10)
    var rows = [["last 30 days", "\(first) .. \(Timestamp.iso8601(now).prefix(10))"]]
    for key in keys {
      rows.append([Self.label(key.label), String(key.summary.days.map(TimelineCell.character))])
    }
    rows.append(["", TimelineCell.legend])
    return Self.columns(rows, rightAligned: [])
  }

  /// The slots, one row each, then a row for areas that could not be read.
  private func bottomRows(_ keys: [KeyStatus]) -> [[String]] {
    var rows: [[String]]
    switch locks {
    case .notAsked:
      rows = [["slots", "not read (give --config to see them)"]]
    case .unreadable(let reason):
      rows = [["slots", "cannot read the lock file: \(Self.visible(reason, limit: 512))"]]
    case .read(let view):
      rows = [["slots", "\(view.slotsInUse) of \(view.slots.count) in use"]]
      for slot in view.slots {
        rows.append(["  \(slot.slot)"] + (slot.holder.map(holderFields) ?? ["free"]))
      }
    }
    switch areas {
    case .notAsked: break
    case .unreadable(let reason):
      rows.append(["areas", "cannot list them: \(Self.visible(reason, limit: 512))"])
    case .listed:
      let problems = keys.compactMap { $0.area?.problem }
      if let first = problems.first {
        rows.append([
          "areas",
          "state unknown for \(problems.count) of \(keys.count { $0.area != nil }): "
            + Self.visible(first, limit: 512),
        ])
      }
    }
    return rows
  }

  private func holderFields(_ holder: Holder) -> [String] {
    let address = holder.peer.map {
      Self.visible($0, limit: 64) + (holder.port.map { " port \($0)" } ?? "")
    }
    return [
      "pid " + (holder.pid.map(String.init) ?? "?"), holder.key.map(Self.label) ?? "?",
      address ?? "-", holder.since.map { "since " + Self.when($0, now: tally.now) } ?? "since ?",
    ]
  }

  /// `2026-11-27 10:00 (2h ago)`.
  static func when(_ time: Int, now: Int) -> String {
    let iso = Timestamp.iso8601(time)
    return "\(iso.prefix(10)) \(iso.dropFirst(11).prefix(5)) (\(AgeText.render(now - time)) ago)"
  }

  /// A key label as shown: visible ASCII, at most 32 characters, `(none)` when empty.
  static func label(_ key: String) -> String {
    if key.isEmpty { return "(none)" }
    let text = visible(key, limit: 64)
    return text.count > 32 ? String(text.prefix(31)) + "…" : text
  }

  static func visible(_ text: String, limit: Int) -> String {
    let rendered = VisibleBytes.render(Array(text.utf8), limit: limit)
    return rendered.text + (rendered.isTruncated ? "..." : "")
  }

  /// Pads every column but the last to its widest cell, two spaces apart; no trailing spaces.
  static func columns(_ rows: [[String]], rightAligned: Set<Int>) -> String {
    var widths: [Int] = []
    for row in rows {
      for (index, cell) in row.enumerated().dropLast() {
        if index >= widths.count { widths.append(0) }
        widths[index] = max(widths[index], cell.count)
      }
    }
    var out = ""
    for row in rows {
      var line = ""
      for (index, cell) in row.enumerated() {
        let isLast = index == row.count - 1
        let pad = isLast ? "" : String(repeating: " ", count: widths[index] - cell.count)
        line += rightAligned.contains(index) ? pad + cell : cell + pad
        if !isLast { line += "  " }
      }
      while line.hasSuffix(" ") { line.removeLast() }
      out += line + "\n"
    }
    return out
  }
}
