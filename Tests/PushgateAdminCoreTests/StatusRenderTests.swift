// The three renderings of pushgate status, as exact text for a fixed moment.
import PushgateAdminCore
import PushgateCore
import Testing

/// Three keys: laptop snapshotted 2 h ago after a failure a week ago, server never backed up,
/// and a hostile label with terminal escapes and quotes that pushed yesterday.
func sampleTally() -> StatusTally {
  statusTally([
    transferLine(
      "2026-11-20T03:00:00Z", "pushed", status: 23, snapshot: "pending", reason: "rsync-status"),
    transferLine("2026-11-27T09:00:00Z", "pushed", snapshot: "due"),
    statusLine("2026-11-27T10:00:00Z", "snapshot-ended", #""result":"ok""#),
    statusLine("2026-11-27T11:00:00Z", "refused", key: "server"),
    transferLine("2026-11-26T11:00:00Z", "pushed", snapshot: "due", key: #"x\u001b[2J\"|'=\\y"#),
  ])
}

let sampleLocks = LockReport.read(
  LockView(slots: [
    SlotState(
      slot: 0,
      holder: Holder(
        pid: 4242, key: "laptop", peer: "203.0.113.7", port: 51240,
        since: Timestamp.parse("2026-11-27T11:58:00Z"))),
    SlotState(slot: 1, holder: nil),
    SlotState(slot: 2, holder: Holder(key: "evil\u{1b}]0;x")),
  ]))

/// The areas of the sample: laptop idle, server in a session with a whole tree pending, a key
/// authorized six hours ago that never pushed, and one whose state the reader cannot see.
///
/// The hostile label has no area (it could not have one).
let sampleAreas = AreaListing.listed([
  AreaReport(label: "fresh", since: Timestamp.parse("2026-11-27T06:00:00Z")),
  AreaReport(label: "laptop", lastSnapshot: Timestamp.parse("2026-11-27T10:00:00Z")),
  AreaReport(
    label: "server", activity: .session, pending: .complete,
    since: Timestamp.parse("2026-10-01T00:00:00Z")),
  AreaReport(
    label: "vault", activity: .unknown, pending: nil,
    since: Timestamp.parse("2026-10-01T00:00:00Z"),
    problem: "'/backup/keys/vault/state/lock': open: Permission denied"),
])

/// The text rendering.
@Suite struct StatusTextTests {
  @Test func rendersTheTextReportOfTheLogAlone() {
    let report = StatusReport(tally: sampleTally(), locks: sampleLocks, log: "/backup/pushgate.log")
    #expect(
      report.text() == """
        pushgate status at 2026-11-27T12:00:00Z (times UTC)
        log /backup/pushgate.log

        key              last backup                last snapshot  pushes 24h  refused 24h  last failure
        laptop           2026-11-27 10:00 (2h ago)  2h ago                  1            0  2026-11-20 03:00 (7d ago) rsync exit 23 (partial transfer due to error)
        server           never                      never                   0            1  -
        x\\x1b[2J"|'=\\\\y  never                      never                   0            0  -

        last 30 days     2026-10-29 .. 2026-11-27
        laptop           ······················x······█
        server           ······························
        x\\x1b[2J"|'=\\\\y  ····························░·
                         █ snapshot  ▓ snapshot and a failure  x failure  ░ pushed, no new snapshot  · nothing

        slots  2 of 3 in use
          0    pid 4242  laptop        203.0.113.7 port 51240  since 2026-11-27 11:58 (2m ago)
          1    free
          2    pid ?     evil\\x1b]0;x  -                       since ?

        """)
  }

  @Test func listsEveryAreaWithWhatHoldsItAndWhatIsPending() {
    let report = StatusReport(
      tally: sampleTally(), locks: .notAsked, areas: sampleAreas, log: "/backup/pushgate.log",
      thresholds: AgeThresholds(critical: 26 * 3600, warning: 20 * 3600))
    #expect(
      report.text() == """
        pushgate status at 2026-11-27T12:00:00Z (times UTC)
        log /backup/pushgate.log

        state     key              last backup                last snapshot  pushes 24h  refused 24h  now      pending  last failure
        WARNING   fresh            never                      never                   0            0  idle     no       -
        OK        laptop           2026-11-27 10:00 (2h ago)  2h ago                  1            0  idle     no       2026-11-20 03:00 (7d ago) rsync exit 23 (partial transfer due to error)
        CRITICAL  server           never                      never                   0            1  session  yes      -
        CRITICAL  vault            never                      never                   0            0  unknown  unknown  -
        -         x\\x1b[2J"|'=\\\\y  never                      never                   0            0  no area  -        -

        last 30 days     2026-10-29 .. 2026-11-27
        fresh            ······························
        laptop           ······················x······█
        server           ······························
        vault            ······························
        x\\x1b[2J"|'=\\\\y  ····························░·
                         █ snapshot  ▓ snapshot and a failure  x failure  ░ pushed, no new snapshot  · nothing

        slots  not read (give --config to see them)
        areas  state unknown for 1 of 4: '/backup/keys/vault/state/lock': open: Permission denied

        """)
  }

  @Test func takesTheLastSnapshotFromTheAreaWhenTheLogNoLongerHasIt() {
    let areas = AreaListing.listed([
      AreaReport(label: "laptop", lastSnapshot: Timestamp.parse("2026-11-26T12:00:00Z")),
      AreaReport(label: "later", lastSnapshot: Timestamp.parse("2026-11-28T00:00:00Z")),
    ])
    let report = StatusReport(tally: statusTally([]), locks: .notAsked, areas: areas, log: "log")
    let lines = report.text().split(separator: "\n").map(String.init)
    #expect(
      lines[2]
        == "key     last backup                 last snapshot  pushes 24h  refused 24h  now   pending  last failure"
    )
    #expect(
      lines[3]
        == "laptop  2026-11-26 12:00 (24h ago)  24h ago                 0            0  idle  no       -"
    )
    // A time after the report's moment is left out, as records after it are.
    #expect(
      lines[4]
        == "later   never                       never                   0            0  idle  no       -"
    )
  }

  @Test func saysSoWhenTheLogHasNoRecordsAndTheLockFileIsUnreadable() {
    let report = StatusReport(
      tally: StatusTally(now: 0), locks: .unreadable("open: Permission denied"), log: "log\u{1b}")
    #expect(
      report.text() == """
        pushgate status at 1970-01-01T00:00:00Z (times UTC)
        log log\\x1b

        no records

        slots  cannot read the lock file: open: Permission denied

        """)
  }

  @Test func saysSoWhenTheAreasCannotBeListed() {
    let report = StatusReport(
      tally: statusTally([statusLine("2026-11-27T10:00:00Z", "refused")]), locks: .notAsked,
      areas: .unreadable("'/backup/keys': opendir: Permission denied"), log: "log")
    #expect(
      report.text().hasSuffix(
        """
        key     last backup  last snapshot  pushes 24h  refused 24h  last failure
        laptop  never        never                   0            1  -

        last 30 days  2026-10-29 .. 2026-11-27
        laptop        ······························
                      █ snapshot  ▓ snapshot and a failure  x failure  ░ pushed, no new snapshot  · nothing

        slots  not read (give --config to see them)
        areas  cannot list them: '/backup/keys': opendir: Permission denied

        """))
    let empty = StatusReport(
      tally: StatusTally(now: 0), locks: .notAsked, areas: .listed([]), log: "log")
    #expect(empty.text().contains("\n\nno areas and no records\n\n"))
  }

  @Test func shortensLongLabelsToKeepColumnsNarrow() {
    let long = String(repeating: "k", count: 64)
    let report = StatusReport(
      tally: statusTally([statusLine("2026-11-27T10:00:00Z", "refused", key: long)]),
      locks: .notAsked, log: "l")
    #expect(report.text().contains("\n" + String(repeating: "k", count: 31) + "…  never"))
  }
}

struct NagiosCase: Sendable, CustomTestStringConvertible {
  let name: String
  let thresholds: AgeThresholds?
  let tally: StatusTally
  var areas = AreaListing.notAsked
  let line: String
  let state: Freshness
  var testDescription: String { name }
}

let okTally = statusTally([
  statusLine("2026-11-27T10:00:00Z", "snapshot-ended", #""result":"ok""#),
  transferLine("2026-11-26T20:00:00Z", "unchanged", reason: "unchanged", key: "server"),
])

let nagiosCases: [NagiosCase] = [
  NagiosCase(
    name: "all fresh", thresholds: AgeThresholds(critical: 93600, warning: 86400), tally: okTally,
    line:
      "PUSHGATE OK - 2 keys, newest backup 2h ago, oldest 16h ago | keys=2 critical=0 warning=0 never=0 oldest_age=57600s;86400;93600;0;",
    state: .ok),
  NagiosCase(
    name: "one key past warn-age", thresholds: AgeThresholds(critical: 86400, warning: 36000),
    tally: okTally,
    line:
      "PUSHGATE WARNING - 1 of 2 keys with no backup for 10h: server (16h) | keys=2 critical=0 warning=1 never=0 oldest_age=57600s;36000;86400;0;",
    state: .warning),
  NagiosCase(
    name: "never and stale keys, hostile label made safe",
    thresholds: AgeThresholds(critical: 3600), tally: sampleTally(),
    line:
      #"PUSHGATE CRITICAL - 3 of 3 keys with no backup for 1h: server (never), x\x1b[2J"\x7c'=\\y (never), laptop (2h) | keys=3 critical=3 warning=0 never=2 oldest_age=7200s;;3600;0;"#,
    state: .critical),
  NagiosCase(
    name: "areas: a key authorized hours ago that never pushed is a warning, an old one critical",
    thresholds: AgeThresholds(critical: 26 * 3600), tally: sampleTally(), areas: sampleAreas,
    line:
      "PUSHGATE CRITICAL - 2 of 4 keys with no backup for 26h: server (never, area 57d old), vault (never, area 57d old) | keys=4 critical=2 warning=1 never=3 oldest_age=7200s;;93600;0; snapshots_running=0;;;0;4",
    state: .critical),
  NagiosCase(
    name: "areas: only a key just authorized is a warning, never ok",
    thresholds: AgeThresholds(critical: 26 * 3600), tally: okTally,
    areas: .listed([
      AreaReport(label: "laptop"),
      AreaReport(label: "new", activity: .snapshot, since: Timestamp.parse("2026-11-27T11:00:00Z")),
    ]),
    line:
      "PUSHGATE WARNING - 1 of 2 keys with no backup for 26h: new (never, area 1h old) | keys=2 critical=0 warning=1 never=1 oldest_age=7200s;;93600;0; snapshots_running=1;;;0;2",
    state: .warning),
  NagiosCase(
    name: "areas: every key never backed up has no oldest age",
    thresholds: AgeThresholds(critical: 3600), tally: statusTally([]),
    areas: .listed([AreaReport(label: "a"), AreaReport(label: "b")]),
    line:
      "PUSHGATE CRITICAL - 2 of 2 keys with no backup for 1h: a (never), b (never) | keys=2 critical=2 warning=0 never=2 oldest_age=U;;3600;0; snapshots_running=0;;;0;2",
    state: .critical),
  NagiosCase(
    name: "areas: a removed key's old records are not judged",
    thresholds: AgeThresholds(critical: 26 * 3600), tally: okTally,
    areas: .listed([AreaReport(label: "laptop")]),
    line:
      "PUSHGATE OK - 1 key, newest backup 2h ago, oldest 2h ago | keys=1 critical=0 warning=0 never=0 oldest_age=7200s;;93600;0; snapshots_running=0;;;0;1",
    state: .ok),
  NagiosCase(
    name: "no thresholds", thresholds: nil, tally: okTally,
    line: "PUSHGATE UNKNOWN - --max-age is required with --format nagios", state: .unknown),
  NagiosCase(
    name: "no records", thresholds: AgeThresholds(critical: 3600), tally: StatusTally(now: 0),
    line: "PUSHGATE UNKNOWN - no records in the audit log", state: .unknown),
  NagiosCase(
    name: "no areas", thresholds: AgeThresholds(critical: 3600), tally: okTally, areas: .listed([]),
    line: "PUSHGATE UNKNOWN - no key areas (pushgate authorize makes them)", state: .unknown),
]

/// The nagios and prometheus renderings.
@Suite struct StatusMonitoringTests {
  @Test(arguments: nagiosCases)
  func rendersTheNagiosLine(_ c: NagiosCase) {
    let result = StatusReport(
      tally: c.tally, locks: .notAsked, areas: c.areas, log: "log", thresholds: c.thresholds
    ).nagios()
    #expect(result.line == c.line)
    #expect(result.state == c.state)
  }

  @Test func namesAtMostFiveKeysAndReportsSlotsInPerfdata() {
    let lines = (1...7).map { statusLine("2026-11-27T10:00:00Z", "refused", key: "k\($0)") }
    let report = StatusReport(
      tally: statusTally(lines), locks: sampleLocks, log: "log",
      thresholds: AgeThresholds(critical: 60))
    #expect(
      report.nagios().line
        == "PUSHGATE CRITICAL - 7 of 7 keys with no backup for 1m: k1 (never), k2 (never), k3 (never), k4 (never), k5 (never), and 2 more | keys=7 critical=7 warning=0 never=7 oldest_age=U;;60;0; slots_in_use=2;;;0;3"
    )
  }

  @Test func rendersThePrometheusTextfile() {
    let report = StatusReport(
      tally: sampleTally(), locks: sampleLocks, areas: sampleAreas, log: "log")
    #expect(
      report.prometheus() == #"""
        # HELP pushgate_last_success_timestamp_seconds When the key's area last held its whole tree safely: a snapshot, or a push that ended well and found nothing to change or waits for snapshot_min_interval (0: never).
        # TYPE pushgate_last_success_timestamp_seconds gauge
        pushgate_last_success_timestamp_seconds{key="fresh"} 0
        pushgate_last_success_timestamp_seconds{key="laptop"} 1795773600
        pushgate_last_success_timestamp_seconds{key="server"} 0
        pushgate_last_success_timestamp_seconds{key="vault"} 0
        # HELP pushgate_last_snapshot_timestamp_seconds When the key's last snapshot was taken (0: none known).
        # TYPE pushgate_last_snapshot_timestamp_seconds gauge
        pushgate_last_snapshot_timestamp_seconds{key="fresh"} 0
        pushgate_last_snapshot_timestamp_seconds{key="laptop"} 1795773600
        pushgate_last_snapshot_timestamp_seconds{key="server"} 0
        pushgate_last_snapshot_timestamp_seconds{key="vault"} 0
        # HELP pushgate_last_failure_timestamp_seconds When the key's last failure happened (0: none in the log).
        # TYPE pushgate_last_failure_timestamp_seconds gauge
        pushgate_last_failure_timestamp_seconds{key="fresh"} 0
        pushgate_last_failure_timestamp_seconds{key="laptop"} 1795143600
        pushgate_last_failure_timestamp_seconds{key="server"} 0
        pushgate_last_failure_timestamp_seconds{key="vault"} 0
        # HELP pushgate_failures_total Failed pushes, snapshots, rotations and server errors in the audit log and its rotations.
        # TYPE pushgate_failures_total counter
        pushgate_failures_total{key="fresh"} 0
        pushgate_failures_total{key="laptop"} 1
        pushgate_failures_total{key="server"} 0
        pushgate_failures_total{key="vault"} 0
        # HELP pushgate_refusals_total Refused sessions in the audit log and its rotations.
        # TYPE pushgate_refusals_total counter
        pushgate_refusals_total{key="fresh"} 0
        pushgate_refusals_total{key="laptop"} 0
        pushgate_refusals_total{key="server"} 1
        pushgate_refusals_total{key="vault"} 0
        # HELP pushgate_pushes_total Sessions that changed the key's area, in the audit log and its rotations.
        # TYPE pushgate_pushes_total counter
        pushgate_pushes_total{key="fresh"} 0
        pushgate_pushes_total{key="laptop"} 2
        pushgate_pushes_total{key="server"} 0
        pushgate_pushes_total{key="vault"} 0
        # HELP pushgate_session_running Whether a session holds the key's area now (absent: cannot be read).
        # TYPE pushgate_session_running gauge
        pushgate_session_running{key="fresh"} 0
        pushgate_session_running{key="laptop"} 0
        pushgate_session_running{key="server"} 1
        # HELP pushgate_snapshot_running Whether a snapshot or rotation of the key's area runs now (absent: cannot be read).
        # TYPE pushgate_snapshot_running gauge
        pushgate_snapshot_running{key="fresh"} 0
        pushgate_snapshot_running{key="laptop"} 0
        pushgate_snapshot_running{key="server"} 0
        # HELP pushgate_pending Whether the key's area holds changes no snapshot has taken yet (absent: cannot be read).
        # TYPE pushgate_pending gauge
        pushgate_pending{key="fresh"} 0
        pushgate_pending{key="laptop"} 0
        pushgate_pending{key="server"} 1
        # HELP pushgate_pending_incomplete Whether those changes are from a push that ended badly: no rotation snapshots them.
        # TYPE pushgate_pending_incomplete gauge
        pushgate_pending_incomplete{key="fresh"} 0
        pushgate_pending_incomplete{key="laptop"} 0
        pushgate_pending_incomplete{key="server"} 0
        # HELP pushgate_audit_log_damaged_lines Lines of the audit log and its rotations that are not records (skipped).
        # TYPE pushgate_audit_log_damaged_lines gauge
        pushgate_audit_log_damaged_lines 0
        # HELP pushgate_slots Connection slots (max_connections).
        # TYPE pushgate_slots gauge
        pushgate_slots 3
        # HELP pushgate_slots_in_use Connection slots held now.
        # TYPE pushgate_slots_in_use gauge
        pushgate_slots_in_use 2

        """#)
  }

  @Test func exportsEveryKeyOfTheLogWithoutTheAreasAndEscapesLabels() {
    let text = StatusReport(tally: sampleTally(), locks: .notAsked, log: "log").prometheus()
    #expect(text.contains("\npushgate_pushes_total{key=\"x\\\\x1b[2J\\\"|'=\\\\\\\\y\"} 1\n"))
    #expect(
      !text.contains("pushgate_slots") && !text.contains("pushgate_pending")
        && !text.contains("_running"))
    #expect(
      text.hasSuffix(
        "pushgate_pushes_total{key=\"server\"} 0\npushgate_pushes_total{key=\"x\\\\x1b[2J\\\"|'=\\\\\\\\y\"} 1\n"
          + "# HELP pushgate_audit_log_damaged_lines Lines of the audit log and its rotations that are not records (skipped).\n"
          + "# TYPE pushgate_audit_log_damaged_lines gauge\npushgate_audit_log_damaged_lines 0\n"))
  }

  @Test func parsesAHolderRecordWithItsPadding() {
    let record = Array(
      #"{"pid":4242,"session":"0b77d2aa5f3a9c1e","key":"laptop","peer":"203.0.113.7","port":51240,"since":"2026-11-27T11:58:00Z"}"#
        .utf8)
    let padded =
      record + Array(repeating: UInt8(ascii: " "), count: 255 - record.count) + [UInt8(ascii: "\n")]
    #expect(
      Holder(record: padded)
        == Holder(
          pid: 4242, key: "laptop", peer: "203.0.113.7", port: 51240,
          since: Timestamp.parse("2026-11-27T11:58:00Z")))
    #expect(Holder(record: Array(repeating: 0, count: 256)) == Holder())
    #expect(Holder(record: []) == Holder())
  }
}
