// The status tally: what each record means per key, the 24-hour window, the timeline's days.
import PushgateCore
import Testing

/// One audit line with the fields the tally reads.
func statusLine(_ time: String, _ event: String, key: String = "laptop", _ extra: String = "") -> String {
  #"{"v":1,"time":"\#(time)","session":"0b77d2aa5f3a9c1e","event":"\#(event)","key":"\#(key)""#
    + (extra.isEmpty ? "" : "," + extra) + "}"
}

func statusTally(_ lines: [String], now: String = "2026-11-27T12:00:00Z", keyLimit: Int = 10_000) -> StatusTally {
  var tally = StatusTally(now: Timestamp.parse(now) ?? 0, keyLimit: keyLimit)
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

let eventCases: [EventCase] = [
  EventCase(name: "allowed", line: statusLine("2026-11-27T10:00:00Z", "allowed"), expected: .allowed),
  EventCase(name: "refused", line: statusLine("2026-11-27T10:00:00Z", "refused"), expected: .refused),
  EventCase(
    name: "server failure names its reason",
    line: statusLine("2026-11-27T10:00:00Z", "failed", #""reason":"lock-file""#),
    expected: .failure("server error: lock-file")),
  EventCase(
    name: "transfer with status 0 is not a failure",
    line: statusLine("2026-11-27T10:00:00Z", "transfer-ended", #""status":0"#), expected: .other),
  EventCase(
    name: "transfer with status 23",
    line: statusLine("2026-11-27T10:00:00Z", "transfer-ended", #""status":23"#),
    expected: .failure("rsync exit 23 (partial transfer due to error)")),
  EventCase(
    name: "transfer with an unknown status",
    line: statusLine("2026-11-27T10:00:00Z", "transfer-ended", #""status":99"#),
    expected: .failure("rsync exit 99")),
  EventCase(
    name: "transfer killed by a signal",
    line: statusLine("2026-11-27T10:00:00Z", "transfer-ended", #""signal":9"#),
    expected: .failure("rsync killed by signal 9")),
  EventCase(
    name: "snapshot ok", line: statusLine("2026-11-27T10:00:00Z", "snapshot-ended", #""result":"ok""#),
    expected: .snapshotSucceeded),
  EventCase(
    name: "snapshot warning counts as success",
    line: statusLine("2026-11-27T10:00:00Z", "snapshot-ended", #""result":"warning","status":2"#),
    expected: .snapshotSucceeded),
  EventCase(
    name: "snapshot failed with its status",
    line: statusLine("2026-11-27T10:00:00Z", "snapshot-ended", #""result":"failed","status":1"#),
    expected: .failure("snapshot failed (exit 1)")),
  EventCase(
    name: "snapshot failed by a signal",
    line: statusLine("2026-11-27T10:00:00Z", "snapshot-ended", #""result":"failed","signal":15"#),
    expected: .failure("snapshot killed by signal 15")),
  EventCase(
    name: "snapshot timeout",
    line: statusLine("2026-11-27T10:00:00Z", "snapshot-ended", #""result":"timeout""#),
    expected: .failure("snapshot timed out")),
  EventCase(
    name: "snapshot tree-busy",
    line: statusLine("2026-11-27T10:00:00Z", "snapshot-ended", #""result":"tree-busy""#),
    expected: .failure("snapshot not taken: tree busy")),
  EventCase(
    name: "snapshot not-started",
    line: statusLine("2026-11-27T10:00:00Z", "snapshot-ended", #""result":"not-started""#),
    expected: .failure("snapshot not started")),
  EventCase(
    name: "an unknown event changes nothing",
    line: statusLine("2026-11-27T10:00:00Z", "rebooted"), expected: .other),
]

@Test(arguments: eventCases)
func classifiesStatusEvent(_ c: EventCase) throws {
  let entry = try #require(AuditEntry(Array(c.line.utf8)))
  #expect(StatusEvent(entry) == c.expected)
}

@Test func keepsTheLatestSuccessAndFailureWhateverTheOrder() {
  let summary = statusTally([
    statusLine("2026-11-26T10:00:00Z", "snapshot-ended", #""result":"ok""#),
    statusLine("2026-11-25T10:00:00Z", "snapshot-ended", #""result":"ok""#),
    statusLine("2026-11-20T03:00:00Z", "transfer-ended", #""status":23"#),
    statusLine("2026-11-19T03:00:00Z", "failed", #""reason":"spawn""#),
  ]).keys["laptop"]
  #expect(summary?.lastSuccess == Timestamp.parse("2026-11-26T10:00:00Z"))
  #expect(summary?.lastFailure == Timestamp.parse("2026-11-20T03:00:00Z"))
  #expect(summary?.lastFailureReason == "rsync exit 23 (partial transfer due to error)")
  #expect(summary?.failures == 2)
}

@Test func countsPushesAndRefusalsOfTheLast24HoursExactly() {
  let summary = statusTally([
    statusLine("2026-11-26T12:00:00Z", "allowed"),  // exactly 24 h before: outside
    statusLine("2026-11-26T12:00:01Z", "allowed"),
    statusLine("2026-11-27T12:00:00Z", "allowed"),  // exactly now: inside
    statusLine("2026-11-27T12:00:01Z", "allowed"),  // after now: ignored altogether
    statusLine("2026-11-26T11:59:59Z", "refused"),
    statusLine("2026-11-27T00:00:00Z", "refused"),
  ]).keys["laptop"]
  #expect(summary?.pushesLastDay == 2)
  #expect(summary?.pushes == 3)
  #expect(summary?.refusalsLastDay == 1)
  #expect(summary?.refusals == 2)
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

@Test(arguments: dayCases)
func placesDaysInUTC(_ c: DayCase) {
  #expect(StatusTally.dayIndex(of: Timestamp.parse(c.time) ?? 0, now: Timestamp.parse("2026-11-27T12:00:00Z") ?? 0) == c.index)
}

@Test func marksEachDayWithWhatHappened() {
  let days = statusTally([
    statusLine("2026-11-27T01:00:00Z", "allowed"),
    statusLine("2026-11-27T02:00:00Z", "snapshot-ended", #""result":"ok""#),
    statusLine("2026-11-26T23:59:59Z", "transfer-ended", #""status":12"#),
    statusLine("2026-11-25T05:00:00Z", "allowed"),
    statusLine("2026-11-24T05:00:00Z", "refused"),
    statusLine("2026-11-23T05:00:00Z", "snapshot-ended", #""result":"ok""#),
    statusLine("2026-11-23T06:00:00Z", "snapshot-ended", #""result":"timeout""#),
    statusLine("2026-10-28T05:00:00Z", "snapshot-ended", #""result":"ok""#),
  ]).keys["laptop"]?.days ?? []
  #expect(days.count == 30)
  #expect(days[29] == [.pushed, .snapshotted])
  #expect(days[28] == [.failed])
  #expect(days[27] == [.pushed])
  #expect(days[26] == [])  // a refusal is not a push
  #expect(days[25] == [.snapshotted, .failed])
  #expect(days[0..<25].allSatisfy { $0 == [] })
  #expect(String(days.map(TimelineCell.character)).suffix(6) == "·▓·░x█")
}

@Test func skipsRecordsWithoutAUsableTime() {
  let result = statusTally([
    #"{"v":1,"session":"a","event":"allowed","key":"laptop"}"#,
    statusLine("2026-11-27 10:00:00", "allowed"),
    statusLine("2026-02-30T10:00:00Z", "allowed"),
    statusLine("2026-11-27T24:00:00Z", "allowed"),
    statusLine("2026-11-27T10:00:00Z", "allowed"),
  ])
  #expect(result.records == 1)
  #expect(result.keys["laptop"]?.pushes == 1)
}

@Test func keepsAnyKeyLabelAsWrittenAndCapsTheNumberOfKeys() {
  let result = statusTally(
    [
      statusLine("2026-11-27T10:00:00Z", "allowed", key: ""),
      statusLine("2026-11-27T10:00:00Z", "allowed", key: #"a\u001b[2J\"b"#),
      statusLine("2026-11-27T10:00:00Z", "allowed", key: "third"),
      statusLine("2026-11-27T10:00:00Z", "refused", key: "third"),
      statusLine("2026-11-27T10:00:00Z", "allowed", key: ""),
      #"{"v":1,"time":"2026-11-27T10:00:00Z","event":"allowed"}"#,
    ], keyLimit: 2)
  #expect(result.sortedKeys == ["", "a\u{1b}[2J\"b"])
  #expect(result.keys[""]?.pushes == 3)  // a record without a key counts as the empty label
  #expect(result.untrackedRecords == 2)
  #expect(result.records == 6)
}
