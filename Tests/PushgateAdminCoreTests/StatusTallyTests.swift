// The status tally: what each record means per key, the 24-hour window, the timeline's days.
import PushgateAdminCore
import PushgateCore
import Testing

/// One audit line with the fields the tally reads.
func statusLine(_ time: String, _ event: String, key: String = "laptop", _ extra: String = "")
  -> String
{
  #"{"v":1,"time":"\#(time)","session":"0b77d2aa5f3a9c1e","event":"\#(event)","key":"\#(key)""#
    + (extra.isEmpty ? "" : "," + extra) + "}"
}

/// A `transfer-ended` line as the per-key gate writes it.
func transferLine(
  _ time: String, _ activity: String, status: Int = 0, snapshot: String = "skipped",
  reason: String? = nil, key: String = "laptop"
) -> String {
  var extra =
    #""status":\#(status),"duration_ms":1000,"activity":"\#(activity)","created":0,"#
    + #""changed":0,"deleted":0,"bytes_received":0,"snapshot":"\#(snapshot)""#
  if let reason { extra += #","snapshot_reason":"\#(reason)""# }
  return statusLine(time, "transfer-ended", key: key, extra)
}

/// A `rotate-ended` line.
func rotateLine(
  _ time: String, _ level: String, _ result: String, key: String = "laptop", _ extra: String = ""
) -> String {
  statusLine(
    time, "rotate-ended", key: key,
    #""level":"\#(level)","result":"\#(result)""# + (extra.isEmpty ? "" : "," + extra))
}

func statusTally(
  _ lines: [String], now: String = "2026-11-27T12:00:00Z", lowestLevel: String = "hourly",
  keyLimit: Int = 10_000
) -> StatusTally {
  var tally = StatusTally(
    now: Timestamp.parse(now) ?? 0, lowestLevel: lowestLevel, keyLimit: keyLimit)
  for line in lines {
    if let entry = AuditEntry(Array(line.utf8)) { tally.add(entry) }
  }
  return tally
}

struct EventCase: Sendable, CustomTestStringConvertible {
  let name: String
  let line: String
  let expected: StatusEvent
  var testDescription: String { name }
}

private let at = "2026-11-27T10:00:00Z"

let eventCases: [EventCase] = [
  EventCase(
    name: "a refusal", line: statusLine(at, "refused"), expected: StatusEvent(isRefusal: true)),
  EventCase(
    name: "an allowed session alone is not a push yet", line: statusLine(at, "allowed"),
    expected: StatusEvent()),
  EventCase(
    name: "a server failure names its reason",
    line: statusLine(at, "failed", #""reason":"key-missing""#),
    expected: StatusEvent(failure: "server error: key-missing")),
  EventCase(
    name: "a push that changed the area, snapshot due",
    line: transferLine(at, "pushed", snapshot: "due"),
    expected: StatusEvent(changedArea: true)),
  EventCase(
    name: "a push whose snapshot waits for snapshot_min_interval is a backup",
    line: transferLine(at, "pushed", snapshot: "pending", reason: "min-interval"),
    expected: StatusEvent(changedArea: true, heldTree: true)),
  EventCase(
    name: "a push cut short by vanished files is a failure, not a backup",
    line: transferLine(at, "pushed", status: 24, snapshot: "pending", reason: "rsync-status"),
    expected: StatusEvent(
      changedArea: true, failure: "rsync exit 24 (partial transfer due to vanished source files)")),
  EventCase(
    name: "a push killed by a signal",
    line: statusLine(at, "transfer-ended", #""signal":9,"activity":"pushed""#),
    expected: StatusEvent(changedArea: true, failure: "rsync killed by signal 9")),
  EventCase(
    name: "an unchanged push is a backup", line: transferLine(at, "unchanged", reason: "unchanged"),
    expected: StatusEvent(heldTree: true)),
  EventCase(
    name: "an unchanged push that ended 23 is a failure",
    line: transferLine(at, "unchanged", status: 23, reason: "rsync-status"),
    expected: StatusEvent(failure: "rsync exit 23 (partial transfer due to error)")),
  EventCase(
    name: "a dry run is neither a push nor a backup", line: transferLine(at, "dry-run"),
    expected: StatusEvent()),
  EventCase(
    name: "a bare module listing (rsync 255) is not a failure",
    line: transferLine(at, "listed", status: 255, reason: "rsync-status"), expected: StatusEvent()),
  EventCase(
    name: "a pull from the write-only module (rsync 1) is not a failure",
    line: transferLine(at, "listed", status: 1, reason: "rsync-status"), expected: StatusEvent()),
  EventCase(
    name: "a restore that ended 23 is not the key's failure",
    line: transferLine(at, "restored", status: 23, reason: "rsync-status"), expected: StatusEvent()),
  EventCase(
    name: "rsync ending before any module is not a failure",
    line: transferLine(at, "none", status: 5, reason: "rsync-status"), expected: StatusEvent()),
  EventCase(
    name: "an older record without activity: a due snapshot was a push",
    line: statusLine(
      at, "transfer-ended", #""status":0,"dry_run":false,"pull":false,"snapshot":"due""#),
    expected: StatusEvent(changedArea: true)),
  EventCase(
    name: "an older record without activity: status 23 is a failure",
    line: statusLine(
      at, "transfer-ended", #""status":23,"snapshot":"skipped","snapshot_reason":"rsync-status""#),
    expected: StatusEvent(failure: "rsync exit 23 (partial transfer due to error)")),
  EventCase(
    name: "an older record without activity: an unknown status",
    line: statusLine(at, "transfer-ended", #""status":99"#),
    expected: StatusEvent(failure: "rsync exit 99")),
  EventCase(
    name: "an older dry run is not a push",
    line: statusLine(
      at, "transfer-ended",
      #""status":0,"dry_run":true,"snapshot":"skipped","snapshot_reason":"dry-run""#),
    expected: StatusEvent()),
  EventCase(
    name: "a snapshot ok", line: statusLine(at, "snapshot-ended", #""result":"ok""#),
    expected: StatusEvent(tookSnapshot: true)),
  EventCase(
    name: "a snapshot warning counts as taken",
    line: statusLine(at, "snapshot-ended", #""result":"warning","status":2"#),
    expected: StatusEvent(tookSnapshot: true)),
  EventCase(
    name: "a snapshot failed with its status",
    line: statusLine(at, "snapshot-ended", #""result":"failed","status":1"#),
    expected: StatusEvent(failure: "snapshot failed (exit 1)")),
  EventCase(
    name: "a snapshot killed by a signal",
    line: statusLine(at, "snapshot-ended", #""result":"failed","signal":15"#),
    expected: StatusEvent(failure: "snapshot killed by signal 15")),
  EventCase(
    name: "a snapshot timeout", line: statusLine(at, "snapshot-ended", #""result":"timeout""#),
    expected: StatusEvent(failure: "snapshot timed out")),
  EventCase(
    name: "a snapshot of an area that stayed busy",
    line: statusLine(at, "snapshot-ended", #""result":"tree-busy""#),
    expected: StatusEvent(failure: "snapshot not taken: area busy")),
  EventCase(
    name: "a snapshot that could not start",
    line: statusLine(at, "snapshot-ended", #""result":"not-started""#),
    expected: StatusEvent(failure: "snapshot not started")),
  EventCase(
    name: "a snapshot whose sync failed left the history unchanged",
    line: statusLine(at, "snapshot-ended", #""result":"sync-failed","sync":"failed","status":1"#),
    expected: StatusEvent(failure: "snapshot sync failed (exit 1), history unchanged")),
  EventCase(
    name: "a snapshot whose sync was killed",
    line: statusLine(at, "snapshot-ended", #""result":"sync-failed","sync":"failed","signal":9"#),
    expected: StatusEvent(failure: "snapshot sync failed (signal 9), history unchanged")),
  EventCase(
    name: "a snapshot whose sync timed out",
    line: statusLine(at, "snapshot-ended", #""result":"sync-failed","sync":"timeout""#),
    expected: StatusEvent(failure: "snapshot sync failed (timed out), history unchanged")),
  EventCase(
    name: "a rotation of the lowest level whose sync failed",
    line: rotateLine(at, "hourly", "sync-failed", #""sync":"failed","status":1"#),
    expected: StatusEvent(failure: "rotate hourly sync failed (exit 1), history unchanged")),
  EventCase(
    name: "a rotation of the lowest level is a snapshot",
    line: rotateLine(at, "hourly", "ok", #""status":0"#),
    expected: StatusEvent(tookSnapshot: true)),
  EventCase(
    name: "a rotation of the lowest level with warnings is a snapshot",
    line: rotateLine(at, "hourly", "warning", #""status":2"#),
    expected: StatusEvent(tookSnapshot: true)),
  EventCase(
    name: "a rotation of a higher level only moves snapshots up",
    line: rotateLine(at, "daily", "ok", #""status":0"#),
    expected: StatusEvent()),
  EventCase(
    name: "a skipped rotation changes nothing",
    line: rotateLine(at, "hourly", "skipped", #""reason":"incomplete""#),
    expected: StatusEvent()),
  EventCase(
    name: "a rotation that found the area busy", line: rotateLine(at, "daily", "busy"),
    expected: StatusEvent(failure: "rotate daily: area stayed busy")),
  EventCase(
    name: "a rotation that failed", line: rotateLine(at, "daily", "failed", #""status":1"#),
    expected: StatusEvent(failure: "rotate daily failed (exit 1)")),
  EventCase(
    name: "a rotation that timed out", line: rotateLine(at, "hourly", "timeout"),
    expected: StatusEvent(failure: "rotate hourly timed out")),
  EventCase(
    name: "a rotation that could not start",
    line: rotateLine(at, "hourly", "not-started", #""detail":"x""#),
    expected: StatusEvent(failure: "rotate hourly not started")),
  EventCase(
    name: "an unknown event changes nothing", line: statusLine(at, "rebooted"),
    expected: StatusEvent()),
]

/// The tally of one key's records.
@Suite struct StatusTallyTests {
  @Test(arguments: eventCases)
  func classifiesStatusEvent(_ c: EventCase) throws {
    let entry = try #require(AuditEntry(Array(c.line.utf8)))
    #expect(StatusEvent(entry, lowestLevel: "hourly") == c.expected)
  }

  @Test(arguments: dayCases)
  func placesDaysInUTC(_ c: DayCase) {
    let now = Timestamp.parse("2026-11-27T12:00:00Z") ?? 0
    #expect(StatusTally.dayIndex(of: Timestamp.parse(c.time) ?? 0, now: now) == c.index)
  }

  @Test func takesTheLatestBackupFromSnapshotsUnchangedPushesAndDeferredSnapshots() {
    func backup(_ lines: [String], lowestLevel: String = "hourly") -> (backup: Int?, snapshot: Int?)
    {
      let summary = statusTally(lines, lowestLevel: lowestLevel).keys["laptop"]
      return (summary?.lastBackup, summary?.lastSnapshot)
    }
    let snapshot = statusLine("2026-11-25T10:00:00Z", "snapshot-ended", #""result":"ok""#)
    let ten = Timestamp.parse("2026-11-25T10:00:00Z")
    let later = Timestamp.parse("2026-11-26T10:00:00Z")
    #expect(backup([snapshot]) == (ten, ten))
    #expect(
      backup([snapshot, transferLine("2026-11-26T10:00:00Z", "unchanged", reason: "unchanged")])
        == (later, ten))
    #expect(
      backup([
        snapshot,
        transferLine("2026-11-26T10:00:00Z", "pushed", snapshot: "pending", reason: "min-interval"),
      ])
        == (later, ten))
    #expect(
      backup([snapshot, rotateLine("2026-11-26T10:00:00Z", "hourly", "ok")]) == (later, later))
    #expect(
      backup([snapshot, rotateLine("2026-11-26T10:00:00Z", "alpha", "ok")], lowestLevel: "alpha")
        == (later, later))
    #expect(
      backup([snapshot, rotateLine("2026-11-26T10:00:00Z", "hourly", "ok")], lowestLevel: "alpha")
        == (ten, ten))
    // Neither a dry run, a listing, a restore nor a push that ended badly proves anything.
    let nothing = [
      transferLine("2026-11-26T10:00:00Z", "dry-run"),
      transferLine("2026-11-26T10:00:00Z", "listed"),
      transferLine("2026-11-26T10:00:00Z", "restored"),
      transferLine(
        "2026-11-26T10:00:00Z", "pushed", status: 23, snapshot: "pending", reason: "rsync-status"),
      transferLine("2026-11-26T10:00:00Z", "unchanged", status: 24, reason: "rsync-status"),
      transferLine("2026-11-26T10:00:00Z", "pushed", snapshot: "due"),
    ]
    #expect(backup([snapshot] + nothing) == (ten, ten))
    #expect(backup(nothing) == (nil, nil))
  }

  @Test func keepsTheLatestFailureWhateverTheOrderAndNeverTheClientsOwnMistakes() {
    let summary = statusTally([
      transferLine(
        "2026-11-20T03:00:00Z", "pushed", status: 23, snapshot: "pending", reason: "rsync-status"),
      statusLine("2026-11-19T03:00:00Z", "failed", #""reason":"spawn""#),
      transferLine("2026-11-21T03:00:00Z", "listed", status: 255, reason: "rsync-status"),
      transferLine("2026-11-21T04:00:00Z", "restored", status: 23, reason: "rsync-status"),
      statusLine("2026-11-21T05:00:00Z", "refused", #""reason":"key-busy""#),
    ]).keys["laptop"]
    #expect(summary?.lastFailure == Timestamp.parse("2026-11-20T03:00:00Z"))
    #expect(summary?.lastFailureReason == "rsync exit 23 (partial transfer due to error)")
    #expect(summary?.failures == 2)
    #expect(summary?.refusals == 1)
  }

  @Test func countsPushesThatChangedTheAreaAndRefusalsOfTheLast24HoursExactly() {
    let summary = statusTally([
      // Exactly 24 h before: outside.
      transferLine("2026-11-26T12:00:00Z", "pushed", snapshot: "due"),
      transferLine("2026-11-26T12:00:01Z", "pushed", snapshot: "due"),
      transferLine("2026-11-27T12:00:00Z", "pushed", snapshot: "due"),  // exactly now: inside
      // After now: ignored altogether.
      transferLine("2026-11-27T12:00:01Z", "pushed", snapshot: "due"),
      transferLine("2026-11-27T11:00:00Z", "unchanged", reason: "unchanged"),
      transferLine("2026-11-27T11:00:00Z", "dry-run"),
      transferLine("2026-11-27T11:00:00Z", "listed", status: 255),
      transferLine("2026-11-27T11:00:00Z", "restored"),
      statusLine("2026-11-27T11:00:00Z", "allowed"),
      statusLine("2026-11-26T11:59:59Z", "refused"),
      statusLine("2026-11-27T00:00:00Z", "refused"),
    ]).keys["laptop"]
    #expect(summary?.pushesLastDay == 2)
    #expect(summary?.pushes == 3)
    #expect(summary?.refusalsLastDay == 1)
    #expect(summary?.refusals == 2)
  }

  @Test func marksEachDayWithWhatHappened() {
    let days =
      statusTally([
        transferLine("2026-11-27T01:00:00Z", "pushed", snapshot: "due"),
        statusLine("2026-11-27T02:00:00Z", "snapshot-ended", #""result":"ok""#),
        transferLine(
          "2026-11-26T23:59:59Z", "pushed", status: 12, snapshot: "pending", reason: "rsync-status"),
        transferLine("2026-11-25T05:00:00Z", "unchanged", reason: "unchanged"),
        statusLine("2026-11-24T05:00:00Z", "refused"),
        transferLine("2026-11-24T06:00:00Z", "dry-run"),
        rotateLine("2026-11-23T05:00:00Z", "hourly", "ok"),
        statusLine("2026-11-23T06:00:00Z", "snapshot-ended", #""result":"timeout""#),
        statusLine("2026-10-28T05:00:00Z", "snapshot-ended", #""result":"ok""#),
      ]).keys["laptop"]?.days ?? []
    #expect(days.count == 30)
    #expect(days[29] == [.pushed, .snapshotted])
    #expect(days[28] == [.pushed, .failed])
    #expect(days[27] == [.pushed])
    #expect(days[26] == [])  // a refusal and a dry run leave no mark
    #expect(days[25] == [.snapshotted, .failed])
    #expect(days[0..<25].allSatisfy { $0 == [] })
    #expect(String(days.map(TimelineCell.character)).suffix(6) == "·▓·░x█")
  }

  @Test func skipsRecordsWithoutAUsableTime() {
    let result = statusTally([
      #"{"v":1,"session":"a","event":"refused","key":"laptop"}"#,
      statusLine("2026-11-27 10:00:00", "refused"),
      statusLine("2026-02-30T10:00:00Z", "refused"),
      statusLine("2026-11-27T24:00:00Z", "refused"),
      statusLine("2026-11-27T10:00:00Z", "refused"),
    ])
    #expect(result.records == 1)
    #expect(result.keys["laptop"]?.refusals == 1)
  }

  @Test func keepsAnyKeyLabelAsWrittenAndCapsTheNumberOfKeys() {
    let result = statusTally(
      [
        statusLine("2026-11-27T10:00:00Z", "refused", key: ""),
        statusLine("2026-11-27T10:00:00Z", "refused", key: #"a\u001b[2J\"b"#),
        statusLine("2026-11-27T10:00:00Z", "refused", key: "third"),
        statusLine("2026-11-27T10:00:00Z", "refused", key: "third"),
        statusLine("2026-11-27T10:00:00Z", "refused", key: ""),
        #"{"v":1,"time":"2026-11-27T10:00:00Z","event":"refused"}"#,
      ], keyLimit: 2)
    #expect(result.sortedKeys == ["", "a\u{1b}[2J\"b"])
    #expect(result.keys[""]?.refusals == 3)  // a record without a key counts as the empty label
    #expect(result.untrackedRecords == 2)
    #expect(result.records == 6)
  }
}

struct DayCase: Sendable, CustomTestStringConvertible {
  let name: String
  let time: String
  let index: Int?
  var testDescription: String { name }
}

let dayCases: [DayCase] = [
  DayCase(name: "now itself is today", time: "2026-11-27T12:00:00Z", index: 29),
  DayCase(name: "midnight today is today", time: "2026-11-27T00:00:00Z", index: 29),
  DayCase(name: "one second before midnight is yesterday", time: "2026-11-26T23:59:59Z", index: 28),
  DayCase(name: "29 days back is the first cell", time: "2026-10-29T00:00:00Z", index: 0),
  DayCase(name: "30 days back is off the timeline", time: "2026-10-28T23:59:59Z", index: nil),
  DayCase(name: "tomorrow is off the timeline", time: "2026-11-28T00:00:00Z", index: nil),
]
