// One line of `pushgate log` per session: fixed-width columns, then the outcome in words.
//
// Every field comes from a file someone may have edited, so each is rendered through
// LogRowWriter.visible (VisibleBytes) before it is printed: no control byte, no escape
// sequence and no byte outside printable ASCII reaches the terminal.

/// Renders session summaries as rows.
public enum LogRow {
  /// The row for `summary`, without a newline. Columns: time (UTC), key, peer address,
  /// short key fingerprint, outcome.
  public static func render(_ summary: SessionSummary) -> String {
    var bytes: [UInt8] = []
    render(summary, into: &bytes)
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Appends the row for `summary`, without a newline, to `bytes`.
  public static func render(_ summary: SessionSummary, into bytes: inout [UInt8]) {
    var row = LogRowWriter(bytes: bytes)
    bytes = []
    var start = row.bytes.count
    if LogRowFilter.isTimestamp(summary.time) {
      row.visible(String(summary.time.prefix(10)))
      row.plain(" ")
      row.visible(String(summary.time.suffix(9)))
    } else {
      column(summary.time, &row)
    }
    separate(&row, &start, 20)
    column(summary.key, &row)
    separate(&row, &start, 10)
    column(summary.peer ?? "", &row)
    separate(&row, &start, 15)
    column(summary.fingerprint ?? "", &row)
    separate(&row, &start, 19)
    outcome(summary, &row)
    bytes = row.bytes
  }

  private static func column(_ text: String, _ row: inout LogRowWriter) {
    if text.isEmpty { row.plain("-") } else { row.visible(text) }
  }

  private static func separate(_ row: inout LogRowWriter, _ start: inout Int, _ width: Int) {
    row.pad(from: start, to: width)
    row.plain("  ")
    start = row.bytes.count
  }

  /// The outcome column: the decision, then what followed it.
  private static func outcome(_ summary: SessionSummary, _ row: inout LogRowWriter) {
    switch summary.decision {
    case .refused:
      row.plain("refused")
      if let reason = summary.reason { row.plain(" "); row.visible(reason) }
      if let command = summary.command { row.plain(" \""); row.visible(command); row.plain("\"") }
    case .failed:
      row.plain("failed")
      if let reason = summary.reason { row.plain(" "); row.visible(reason) }
      if let detail = summary.detail { row.plain(": "); row.visible(detail) }
    case .allowed, .unknown:
      transfer(summary, &row)
    }
    switch summary.ending {
    case .complete: break
    case .open: openNote(summary, &row)
    case .evicted: row.plain("  (incomplete: too many sessions open at once)")
    }
  }

  private static func transfer(_ summary: SessionSummary, _ row: inout LogRowWriter) {
    guard let transfer = summary.transfer else {
      row.plain(summary.decision == .allowed ? "allowed" : "unknown")
      return
    }
    if transfer.isDryRun == true {
      row.plain("dry run")
    } else if transfer.isPull == true {
      row.plain("pulled")
    } else if transfer.snapshotReason == "list-only" {
      row.plain("listed")
    } else {
      row.plain("pushed")
    }
    if let signal = transfer.signal {
      row.plain("  rsync killed by signal ")
      row.number(signal)
    } else if let status = transfer.status {
      row.plain("  rsync ")
      row.number(status)
      row.plain(" ")
      row.visible(StatusMeaning.text(status) ?? "unknown status")
    } else {
      row.plain("  rsync status unknown")
    }
    if let milliseconds = transfer.milliseconds { row.plain("  "); row.seconds(milliseconds) }
    if let snapshot = summary.snapshot {
      self.snapshot(snapshot, &row)
    } else if transfer.snapshot == "skipped" {
      row.plain("  no snapshot (")
      row.visible(transfer.snapshotReason ?? "skipped")
      row.plain(")")
    }
  }

  private static func snapshot(_ snapshot: SessionSummary.Snapshot, _ row: inout LogRowWriter) {
    row.plain("  snapshot ")
    row.visible(snapshot.result ?? "ended")
    if let signal = snapshot.signal {
      row.plain(" signal ")
      row.number(signal)
    } else if let status = snapshot.status, status != 0 {
      row.plain(" status ")
      row.number(status)
    }
    if let milliseconds = snapshot.milliseconds { row.plain(" "); row.seconds(milliseconds) }
    if let detail = snapshot.detail { row.plain(": "); row.visible(detail) }
  }

  private static func openNote(_ summary: SessionSummary, _ row: inout LogRowWriter) {
    guard let transfer = summary.transfer else {
      row.plain("  (no transfer-ended: in progress or cut short)")
      return
    }
    row.plain(
      transfer.snapshot == "due"
        ? "  snapshot due (no snapshot-ended: in progress or cut short)"
        : "  (in progress or cut short)")
  }

  /// `text` with printable ASCII kept and every other byte rendered by ``VisibleBytes``.
  public static func visible(_ text: String) -> String {
    var row = LogRowWriter(bytes: [])
    row.visible(text)
    return String(decoding: row.bytes, as: UTF8.self)
  }
}
