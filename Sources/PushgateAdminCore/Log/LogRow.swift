// One line of `pushgate log` per session: fixed-width columns, the outcome in one word, then
// the details in words.
//
// Every field comes from a file someone may have edited, so each is rendered through
// LogRowWriter.visible (VisibleBytes) before it is printed: no control byte, no escape
// sequence and no byte outside printable ASCII reaches the terminal.
import PushgateCore

/// Renders session summaries as rows.
public enum LogRow {
  /// The widths of the fixed columns: time, key, peer, fingerprint, outcome.
  ///
  /// A longer value pushes the rest of its row to the right; it is never cut.
  static let widths = [20, 10, 15, 19, 11]

  /// The header row, printed above the first row.
  public static let header: String = {
    var row = LogRowWriter(bytes: [])
    var start = 0
    for (title, width) in zip(["time", "key", "peer", "fingerprint", "outcome"], widths) {
      row.visible(title)
      separate(&row, &start, width)
    }
    row.plain("details")
    return String(decoding: row.bytes, as: UTF8.self)
  }()

  /// The row for `summary`, without a newline.
  ///
  /// Columns: time (UTC), key, peer address, short key fingerprint, what the session did in one
  /// word, then the details.
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
    separate(&row, &start, widths[0])
    column(summary.key, &row)
    separate(&row, &start, widths[1])
    column(summary.peer ?? "", &row)
    separate(&row, &start, widths[2])
    column(summary.fingerprint ?? "", &row)
    separate(&row, &start, widths[3])
    outcome(summary, &row, &start)
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

  /// The outcome word, padded, then the details (and no padding when there are none).
  private static func outcome(
    _ summary: SessionSummary, _ row: inout LogRowWriter, _ start: inout Int
  ) {
    row.plain(word(summary))
    let end = row.bytes.count
    separate(&row, &start, widths[4])
    row.mark = row.bytes.count
    LogRowDetails.render(summary, &row)
    if row.bytes.count == row.mark { row.bytes.removeSubrange(end...) }
  }

  /// What the session did, in one word (two for `dry run` and `no transfer`).
  static func word(_ summary: SessionSummary) -> StaticString {
    if summary.rotation != nil { return "rotate" }
    switch summary.decision {
    case .refused: return "refused"
    case .failed: return "failed"
    case .allowed, .unknown:
      guard let transfer = summary.transfer else {
        return summary.decision == .allowed ? "allowed" : "unknown"
      }
      switch transfer.activity {
      case .pushed?: return "pushed"
      case .unchanged?: return "unchanged"
      case .dryRun?: return "dry run"
      case .listed?: return "listed"
      case .restored?: return "restored"
      case SessionActivity.none?: return "no transfer"
      case nil: return "transfer"
      }
    }
  }

  /// `text` with printable ASCII kept and every other byte rendered by ``VisibleBytes``.
  public static func visible(_ text: String) -> String {
    var row = LogRowWriter(bytes: [])
    row.visible(text)
    return String(decoding: row.bytes, as: UTF8.self)
  }
}
