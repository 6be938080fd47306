// The details column of a `pushgate log` row: what a session changed, how rsync and the
// snapshot ended, or what a rotation did. Pieces are two spaces apart.

/// Writes the details of one summary into its row.
enum LogRowDetails {
  /// Everything after the outcome word.
  static func render(_ summary: SessionSummary, _ row: inout LogRowWriter) {
    if let rotation = summary.rotation {
      self.rotation(rotation, &row)
    } else {
      switch summary.decision {
      case .refused:
        if let reason = summary.reason { row.visible(reason) }
        if let command = summary.command, !afterTheCommand.contains(summary.reason ?? "") {
          row.space()
          row.plain("\"")
          row.visible(command)
          row.plain("\"")
        }
      case .failed:
        failure(summary.reason, summary.detail, &row)
      case .allowed, .unknown:
        if let transfer = summary.transfer { self.transfer(transfer, summary.snapshot, &row) }
        if let late = summary.lateFailure {
          row.gap()
          row.plain("then failed ")
          failure(late.reason, late.detail, &row)
        }
      }
    }
    switch summary.ending {
    case .complete: break
    case .open: openNote(summary, &row)
    case .evicted:
      row.gap()
      row.plain("(incomplete: too many sessions open at once)")
    }
  }

  /// Refusals that come after the command was found to be the allowed one: its text would
  /// say nothing.
  private static let afterTheCommand: Set<String> = [
    "busy", "key-busy", "snapshot-running", "no-area",
  ]

  /// `REASON: DETAIL`.
  private static func failure(_ reason: String?, _ detail: String?, _ row: inout LogRowWriter) {
    row.visible(reason ?? "unknown")
    if let detail {
      row.plain(": ")
      row.visible(detail)
    }
  }

  /// What the transfer did, how long it ran, how rsync ended unless it ended well, and what
  /// became of the snapshot.
  private static func transfer(
    _ transfer: SessionSummary.Transfer, _ snapshot: SessionSummary.Snapshot?,
    _ row: inout LogRowWriter
  ) {
    switch transfer.activity {
    case .pushed?:
      if transfer.isTransferLogUnreadable {
        row.plain("changes unknown (transfer log unreadable)")
      } else if transfer.hasCounts {
        row.number(transfer.created)
        row.plain(" created, ")
        row.number(transfer.changed)
        row.plain(" changed, ")
        row.number(transfer.deleted)
        row.plain(" deleted, ")
        row.size(transfer.bytesReceived)
        row.plain(" received")
      }
    case .restored?, .listed?:
      if let request = transfer.request {
        row.plain("\"")
        row.visible(request)
        row.plain("\"")
      }
      if transfer.sent > 0 {
        row.gap()
        row.number(transfer.sent)
        row.plain(" sent")
      }
    default:
      break
    }
    if let milliseconds = transfer.milliseconds {
      row.gap()
      row.seconds(milliseconds)
    }
    if let signal = transfer.signal {
      row.gap()
      row.plain("rsync killed by signal ")
      row.number(signal)
    } else if let status = transfer.status {
      if status != 0 {
        row.gap()
        row.plain("rsync ")
        row.number(status)
        row.plain(" ")
        row.visible(StatusMeaning.text(status) ?? "unknown status")
      }
    } else {
      row.gap()
      row.plain("rsync status unknown")
    }
    if let snapshot {
      self.snapshot(snapshot, &row)
    } else if transfer.snapshot == "pending" {
      row.gap()
      row.plain("snapshot pending (")
      row.visible(transfer.snapshotReason ?? "pending")
      row.plain(")")
    } else if transfer.snapshot == "skipped", transfer.activity == nil {
      // A newer record says what the session was, which says why nothing was taken.
      row.gap()
      row.plain("no snapshot (")
      row.visible(transfer.snapshotReason ?? "skipped")
      row.plain(")")
    }
  }

  /// `snapshot RESULT [NAME] [status N | signal N] S s[: DETAIL]`; NAME is a btrfs snapshot's.
  private static func snapshot(_ snapshot: SessionSummary.Snapshot, _ row: inout LogRowWriter) {
    row.gap()
    row.plain("snapshot ")
    row.visible(snapshot.result ?? "ended")
    if let name = snapshot.name {
      row.plain(" ")
      row.visible(name)
    }
    ran(
      result: snapshot.result, status: snapshot.status, signal: snapshot.signal,
      milliseconds: snapshot.milliseconds, detail: snapshot.detail, &row)
  }

  /// `[status N | signal N] S s[: DETAIL]` after an rsnapshot run's result.
  private static func ran(
    result: String?, status: Int?, signal: Int?, milliseconds: Int?, detail: String?,
    _ row: inout LogRowWriter
  ) {
    // A sync that did not complete never reached the level: say the history stayed as it was.
    if result == "sync-failed" { row.plain(" (history unchanged)") }
    end(status: status, signal: signal, &row)
    // A run that never started ran for no time: its detail says why.
    if let milliseconds, result != "not-started" {
      row.plain(" ")
      row.seconds(milliseconds)
    }
    if let detail {
      row.plain(": ")
      row.visible(detail)
    }
  }

  /// `LEVEL RESULT [status N | signal N] S s[: DETAIL]`, `LEVEL skipped (REASON)`,
  /// `LEVEL busy after S s`, or for a btrfs deletion `delete NAME RESULT (REASON)`.
  static func rotation(_ rotation: SessionSummary.Rotation, _ row: inout LogRowWriter) {
    if let deleted = rotation.deleted {
      // `delete NAME ok (REASON)` or `delete NAME failed: DETAIL`.
      row.plain("delete ")
      row.visible(deleted)
      row.plain(" ")
      row.visible(rotation.result ?? "ended")
      if let detail = rotation.detail {
        row.plain(": ")
        row.visible(detail)
      } else if let reason = rotation.reason {
        row.plain(" (")
        row.visible(reason)
        row.plain(")")
      }
      return
    }
    row.visible(rotation.level ?? "?")
    row.plain(" ")
    row.visible(rotation.result ?? "ended")
    switch rotation.result {
    case "skipped":
      if let reason = rotation.reason {
        row.plain(" (")
        row.visible(reason)
        row.plain(")")
      }
    case "busy":
      if let waited = rotation.waitedMilliseconds {
        row.plain(" after ")
        row.seconds(waited)
      }
    default:
      ran(
        result: rotation.result, status: rotation.status, signal: rotation.signal,
        milliseconds: rotation.milliseconds, detail: rotation.detail, &row)
    }
  }

  /// ` status N` (when not 0) or ` signal N`.
  private static func end(status: Int?, signal: Int?, _ row: inout LogRowWriter) {
    if let signal {
      row.plain(" signal ")
      row.number(signal)
    } else if let status, status != 0 {
      row.plain(" status ")
      row.number(status)
    }
  }

  /// The note for a session whose last record was not read.
  private static func openNote(_ summary: SessionSummary, _ row: inout LogRowWriter) {
    row.gap()
    guard let transfer = summary.transfer else {
      row.plain("(no transfer-ended: in progress or cut short)")
      return
    }
    row.plain(
      summary.snapshotNeverEnded
        ? "snapshot due, never ended (no snapshot-ended within snapshot_timeout): failed"
        : transfer.snapshot == "due"
          ? "snapshot due (no snapshot-ended: in progress or cut short)"
          : "(in progress or cut short)")
  }
}
