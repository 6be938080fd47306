// The three renderings of pushgate status, as exact text for a fixed moment.
import PushgateCore
import Testing

/// Three keys: laptop snapshotted 2 h ago after a failure a week ago, server never
/// snapshotted, and a hostile label with terminal escapes and quotes.
func sampleTally() -> StatusTally {
  statusTally([
    statusLine("2026-11-20T03:00:00Z", "transfer-ended", #""status":23"#),
    statusLine("2026-11-27T09:00:00Z", "allowed"),
    statusLine("2026-11-27T10:00:00Z", "snapshot-ended", #""result":"ok""#),
    statusLine("2026-11-27T11:00:00Z", "refused", key: "server"),
    statusLine("2026-11-26T11:00:00Z", "allowed", key: #"x\u001b[2J\"|'=\\y"#),
  ])
}

let sampleLocks = LockReport.read(
  LockView(
    slots: [
      SlotState(
        slot: 0,
        holder: Holder(pid: 4242, key: "laptop", peer: "203.0.113.7", port: 51240, since: Timestamp.parse("2026-11-27T11:58:00Z"))),
      SlotState(slot: 1, holder: nil),
      SlotState(slot: 2, holder: Holder(key: "evil\u{1b}]0;x")),
    ],
    snapshot: .running(Holder(pid: 77, key: "laptop", since: Timestamp.parse("2026-11-27T11:59:30Z")))))

@Test func rendersTheTextReport() {
  let report = StatusReport(tally: sampleTally(), locks: sampleLocks, log: "/backup/pushgate.log")
  #expect(
    report.text() == """
      pushgate status at 2026-11-27T12:00:00Z (times UTC)
      log /backup/pushgate.log

      key              last snapshot              pushes 24h  refused 24h  last failure
      laptop           2026-11-27 10:00 (2h ago)           1            0  2026-11-20 03:00 (7d ago) rsync exit 23 (partial transfer due to error)
      server           never                               0            1  -
      x\\x1b[2J"|'=\\\\y  never                               0            0  -

      last 30 days     2026-10-29 .. 2026-11-27
      laptop           ······················x······█
      server           ······························
      x\\x1b[2J"|'=\\\\y  ····························░·
                       █ snapshot  ▓ snapshot and a failure  x failure  ░ pushed, no snapshot  · nothing

      slots     2 of 3 in use
        0       pid 4242  laptop        203.0.113.7 port 51240  since 2026-11-27 11:58 (2m ago)
        1       free
        2       pid ?     evil\\x1b]0;x  -                       since ?
      snapshot  running  pid 77  laptop  -  since 2026-11-27 11:59 (30s ago)

      """)
}

@Test func marksEachKeysStateWhenGivenThresholds() {
  let report = StatusReport(
    tally: sampleTally(), locks: .notAsked, log: "log", thresholds: AgeThresholds(critical: 3 * 3600, warning: 3600))
  let table = report.text().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  #expect(table[3] == "state     key              last snapshot              pushes 24h  refused 24h  last failure")
  #expect(table[4].hasPrefix("WARNING   laptop "))
  #expect(table[5].hasPrefix("CRITICAL  server "))
  #expect(table.dropLast().last == "slots     not read (give --config to see them)")
}

@Test func saysSoWhenTheLogHasNoRecordsAndTheLockFileIsUnreadable() {
  let report = StatusReport(
    tally: StatusTally(now: 0), locks: .unreadable("open: Permission denied"), log: "log\u{1b}")
  #expect(
    report.text() == """
      pushgate status at 1970-01-01T00:00:00Z (times UTC)
      log log\\x1b

      no records

      slots     cannot read the lock file: open: Permission denied

      """)
}

@Test func shortensLongLabelsToKeepColumnsNarrow() {
  let long = String(repeating: "k", count: 64)
  let report = StatusReport(
    tally: statusTally([statusLine("2026-11-27T10:00:00Z", "allowed", key: long)]), locks: .notAsked, log: "l")
  #expect(report.text().contains("\n" + String(repeating: "k", count: 31) + "…  never"))
}

struct NagiosCase: Sendable, CustomTestStringConvertible {
  let name: String
  let thresholds: AgeThresholds?
  let tally: StatusTally
  let line: String
  let state: Freshness
  var testDescription: String { name }
}

let okTally = statusTally([
  statusLine("2026-11-27T10:00:00Z", "snapshot-ended", #""result":"ok""#),
  statusLine("2026-11-26T20:00:00Z", "snapshot-ended", key: "server", #""result":"warning""#),
])

let nagiosCases: [NagiosCase] = [
  NagiosCase(
    name: "all fresh", thresholds: AgeThresholds(critical: 93600, warning: 86400), tally: okTally,
    line: "PUSHGATE OK - 2 keys, newest snapshot 2h ago, oldest 16h ago | keys=2 critical=0 warning=0 oldest_age=57600s;86400;93600;0;",
    state: .ok),
  NagiosCase(
    name: "one key past warn-age", thresholds: AgeThresholds(critical: 86400, warning: 36000), tally: okTally,
    line: "PUSHGATE WARNING - 1 of 2 keys with no snapshot for 10h: server (16h) | keys=2 critical=0 warning=1 oldest_age=57600s;36000;86400;0;",
    state: .warning),
  NagiosCase(
    name: "never and stale keys, hostile label made safe", thresholds: AgeThresholds(critical: 3600), tally: sampleTally(),
    line: #"PUSHGATE CRITICAL - 3 of 3 keys with no snapshot for 1h: server (never), x\x1b[2J"\x7c'=\\y (never), laptop (2h) | keys=3 critical=3 warning=0 oldest_age=7200s;;3600;0;"#,
    state: .critical),
  NagiosCase(
    name: "no thresholds", thresholds: nil, tally: okTally,
    line: "PUSHGATE UNKNOWN - --max-age is required with --format nagios", state: .unknown),
  NagiosCase(
    name: "no records", thresholds: AgeThresholds(critical: 3600), tally: StatusTally(now: 0),
    line: "PUSHGATE UNKNOWN - no records in the audit log", state: .unknown),
]

@Test(arguments: nagiosCases)
func rendersTheNagiosLine(_ c: NagiosCase) {
  let result = StatusReport(tally: c.tally, locks: .notAsked, log: "log", thresholds: c.thresholds).nagios()
  #expect(result.line == c.line)
  #expect(result.state == c.state)
}

@Test func namesAtMostFiveKeysAndReportsSlotsInPerfdata() {
  let lines = (1...7).map { statusLine("2026-11-27T10:00:00Z", "refused", key: "k\($0)") }
  let report = StatusReport(tally: statusTally(lines), locks: sampleLocks, log: "log", thresholds: AgeThresholds(critical: 60))
  #expect(
    report.nagios().line
      == "PUSHGATE CRITICAL - 7 of 7 keys with no snapshot for 1m: k1 (never), k2 (never), k3 (never), k4 (never), k5 (never), and 2 more | keys=7 critical=7 warning=0 oldest_age=U;;60;0; slots_in_use=2;;;0;3 snapshot_running=1;;;0;1")
}

@Test func rendersThePrometheusTextfile() {
  let report = StatusReport(tally: sampleTally(), locks: sampleLocks, log: "log")
  #expect(
    report.prometheus() == #"""
      # HELP pushgate_last_success_timestamp_seconds When the key's last successful snapshot ended (0: none in the log).
      # TYPE pushgate_last_success_timestamp_seconds gauge
      pushgate_last_success_timestamp_seconds{key="laptop"} 1795773600
      pushgate_last_success_timestamp_seconds{key="server"} 0
      pushgate_last_success_timestamp_seconds{key="x\\x1b[2J\"|'=\\\\y"} 0
      # HELP pushgate_last_failure_timestamp_seconds When the key's last failure happened (0: none in the log).
      # TYPE pushgate_last_failure_timestamp_seconds gauge
      pushgate_last_failure_timestamp_seconds{key="laptop"} 1795143600
      pushgate_last_failure_timestamp_seconds{key="server"} 0
      pushgate_last_failure_timestamp_seconds{key="x\\x1b[2J\"|'=\\\\y"} 0
      # HELP pushgate_failures_total Failed sessions and snapshots in the audit log and its rotations.
      # TYPE pushgate_failures_total counter
      pushgate_failures_total{key="laptop"} 1
      pushgate_failures_total{key="server"} 0
      pushgate_failures_total{key="x\\x1b[2J\"|'=\\\\y"} 0
      # HELP pushgate_refusals_total Refused sessions in the audit log and its rotations.
      # TYPE pushgate_refusals_total counter
      pushgate_refusals_total{key="laptop"} 0
      pushgate_refusals_total{key="server"} 1
      pushgate_refusals_total{key="x\\x1b[2J\"|'=\\\\y"} 0
      # HELP pushgate_pushes_total Allowed sessions in the audit log and its rotations.
      # TYPE pushgate_pushes_total counter
      pushgate_pushes_total{key="laptop"} 1
      pushgate_pushes_total{key="server"} 0
      pushgate_pushes_total{key="x\\x1b[2J\"|'=\\\\y"} 1
      # HELP pushgate_slots Connection slots (max_connections).
      # TYPE pushgate_slots gauge
      pushgate_slots 3
      # HELP pushgate_slots_in_use Connection slots held now.
      # TYPE pushgate_slots_in_use gauge
      pushgate_slots_in_use 2
      # HELP pushgate_snapshot_running Whether a snapshot runs or waits for the tree.
      # TYPE pushgate_snapshot_running gauge
      pushgate_snapshot_running 1

      """#)
}

@Test func omitsSlotMetricsWhenTheLocksWereNotRead() {
  let text = StatusReport(tally: okTally, locks: .notAsked, log: "log").prometheus()
  #expect(!text.contains("pushgate_slots"))
  #expect(text.hasSuffix("pushgate_pushes_total{key=\"server\"} 0\n"))
}

@Test func parsesAHolderRecordWithItsPadding() {
  let record = Array(#"{"pid":4242,"session":"0b77d2aa5f3a9c1e","key":"laptop","peer":"203.0.113.7","port":51240,"since":"2026-11-27T11:58:00Z"}"#.utf8)
  let padded = record + Array(repeating: UInt8(ascii: " "), count: 255 - record.count) + [UInt8(ascii: "\n")]
  #expect(
    Holder(record: padded)
      == Holder(pid: 4242, key: "laptop", peer: "203.0.113.7", port: 51240, since: Timestamp.parse("2026-11-27T11:58:00Z")))
  #expect(Holder(record: Array(repeating: 0, count: 256)) == Holder())
  #expect(Holder(record: []) == Holder())
}
