// Rows of `pushgate log`: exact text, hostile bytes from an edited log, and the filters.
import PushgateAdminCore
import PushgateCore
import Testing

private func row(_ entries: [AuditEntry?]) -> [String] {
  groupSessions(entries).map(LogRow.render)
}

struct LogRowCase: Sendable, CustomTestStringConvertible {
  let name: String
  let records: [(event: String, extra: String)]
  let outcome: String
  var testDescription: String { name }
}

/// A new-style transfer-ended: rsync's end, the activity, the counts, the snapshot decision.
private func transfer(
  _ end: String, _ activity: String,
  counts: String = #""created":0,"changed":0,"deleted":0,"bytes_received":0"#, _ snapshot: String
) -> (event: String, extra: String) {
  ("transfer-ended", ",\(end),\"activity\":\"\(activity)\",\(counts),\(snapshot)")
}

private let allowed = (event: "allowed", extra: "")

let logRowCases: [LogRowCase] = [
  LogRowCase(
    name: "a refusal with the log's visible escapes kept as they are",
    records: [("refused", #","command":"ls /\\x1b[2J","reason":"not-allowed""#)],
    outcome: #"refused      not-allowed "ls /\x1b[2J""#),
  LogRowCase(
    name: "a raw escape sequence from an edited file is escaped again",
    records: [("refused", #","command":"ls \u001b[2J\u0007\r\n\t\u009b","reason":"not-allowed""#)],
    outcome: #"refused      not-allowed "ls \x1b[2J\x07\r\n\t\xc2\x9b""#),
  LogRowCase(
    name: "quotes and backslashes stay readable",
    records: [("refused", #","command":"sh -c \"id\" \\ end","reason":"not-allowed""#)],
    outcome: #"refused      not-allowed "sh -c "id" \ end""#),
  LogRowCase(
    name: "an invalid \\u escape becomes the replacement character, escaped",
    records: [("refused", #","command":"a\ud800b","reason":"not-allowed""#)],
    outcome: #"refused      not-allowed "a\xef\xbf\xbdb""#),
  LogRowCase(
    name: "another session of the same key holds the area: the allowed command is not repeated",
    records: [
      (
        "refused",
        #","command":"cd /backup && rsync --server --daemon .","reason":"key-busy","wait_ms":0"#
      )
    ],
    outcome: "refused      key-busy"),
  LogRowCase(
    name: "the key's snapshot holds the area",
    records: [
      (
        "refused",
        #","command":"cd /backup && rsync --server --daemon .","reason":"snapshot-running""#
      )
    ],
    outcome: "refused      snapshot-running"),
  LogRowCase(
    name: "a failure with its detail",
    records: [
      ("failed", #","reason":"spawn","detail":"cannot start '/usr/bin/rsync'\u001b]0;x\u0007""#)
    ],
    outcome: #"failed       spawn: cannot start '/usr/bin/rsync'\x1b]0;x\x07"#),
  LogRowCase(
    name: "a push with its counts and its snapshot",
    records: [
      allowed,
      transfer(
        #""status":0,"duration_ms":197012"#, "pushed",
        counts: #""created":12,"changed":3,"deleted":1,"bytes_received":1234567"#,
        #""snapshot":"due""#),
      ("snapshot-ended", #","result":"ok","status":0,"duration_ms":12034"#),
    ],
    outcome:
      "pushed       12 created, 3 changed, 1 deleted, 1.2 MB received  197.0 s  snapshot ok 12.0 s"),
  LogRowCase(
    name: "a push with its btrfs snapshot, named by its time",
    records: [
      allowed,
      transfer(
        #""status":0,"duration_ms":3100"#, "pushed",
        counts: #""created":1,"changed":0,"deleted":0,"bytes_received":42"#,
        #""snapshot":"due""#),
      ("snapshot-ended", #","result":"ok","snapshot":"2026-11-30T120312Z","duration_ms":31"#),
    ],
    outcome:
      "pushed       1 created, 0 changed, 0 deleted, 42 B received  3.1 s  snapshot ok 2026-11-30T120312Z 0.0 s"
  ),
  LogRowCase(
    name: "a btrfs snapshot that failed, with a hostile name left out",
    records: [
      allowed,
      transfer(#""status":0,"duration_ms":3100"#, "pushed", #""snapshot":"due""#),
      (
        "snapshot-ended",
        #","result":"failed","snapshot":"x\u001b[2J","detail":"btrfs snapshot '/backup/keys/laptop/snapshots/2026-11-30T120312Z': No space left on device","duration_ms":5"#
      ),
    ],
    outcome:
      "pushed       0 created, 0 changed, 0 deleted, 0 B received  3.1 s  snapshot failed 0.0 s: btrfs snapshot '/backup/keys/laptop/snapshots/2026-11-30T120312Z': No space left on device"
  ),
  LogRowCase(
    name: "a btrfs snapshot name with control characters is escaped",
    records: [
      allowed,
      transfer(#""status":0,"duration_ms":3100"#, "pushed", #""snapshot":"due""#),
      ("snapshot-ended", #","result":"ok","snapshot":"x\u001b[2J","duration_ms":5"#),
    ],
    outcome:
      #"pushed       0 created, 0 changed, 0 deleted, 0 B received  3.1 s  snapshot ok x\x1b[2J 0.0 s"#
  ),
  LogRowCase(
    name: "an unchanged push",
    records: [
      allowed,
      transfer(
        #""status":0,"duration_ms":3100"#, "unchanged",
        #""snapshot":"skipped","snapshot_reason":"unchanged""#),
    ],
    outcome: "unchanged    3.1 s"),
  LogRowCase(
    name: "an unchanged push that snapshots changes left pending",
    records: [
      allowed, transfer(#""status":0,"duration_ms":3100"#, "unchanged", #""snapshot":"due""#),
      ("snapshot-ended", #","result":"warning","status":2,"duration_ms":1000"#),
    ],
    outcome: "unchanged    3.1 s  snapshot warning status 2 1.0 s"),
  LogRowCase(
    name: "a push whose snapshot waits for snapshot_min_interval",
    records: [
      allowed,
      transfer(
        #""status":0,"duration_ms":500"#, "pushed",
        counts: #""created":1,"changed":0,"deleted":0,"bytes_received":42"#,
        #""snapshot":"pending","snapshot_reason":"min-interval""#),
    ],
    outcome:
      "pushed       1 created, 0 changed, 0 deleted, 42 B received  0.5 s  snapshot pending (min-interval)"
  ),
  LogRowCase(
    name: "a push with vanished source files",
    records: [
      allowed,
      transfer(
        #""status":24,"duration_ms":80400"#, "pushed",
        counts: #""created":5,"changed":0,"deleted":0,"bytes_received":999950"#,
        #""snapshot":"pending","snapshot_reason":"rsync-status""#),
    ],
    outcome:
      "pushed       5 created, 0 changed, 0 deleted, 1.0 MB received  80.4 s  rsync 24 partial transfer due to vanished source files  snapshot pending (rsync-status)"
  ),
  LogRowCase(
    name: "a push killed by a signal",
    records: [
      allowed,
      transfer(
        #""signal":9,"duration_ms":0"#, "pushed",
        counts: #""created":0,"changed":2,"deleted":0,"bytes_received":1049"#,
        #""snapshot":"pending","snapshot_reason":"rsync-signaled""#),
    ],
    outcome:
      "pushed       0 created, 2 changed, 0 deleted, 1.0 kB received  0.0 s  rsync killed by signal 9  snapshot pending (rsync-signaled)"
  ),
  LogRowCase(
    name: "a push whose transfer log could not be read",
    records: [
      allowed,
      (
        "transfer-ended",
        #","status":0,"duration_ms":1000,"activity":"pushed","created":0,"changed":0,"deleted":0,"bytes_received":0,"transfer_log":"unreadable","snapshot":"due""#
      ),
      ("snapshot-ended", #","result":"ok","status":0,"duration_ms":2000"#),
    ],
    outcome: "pushed       changes unknown (transfer log unreadable)  1.0 s  snapshot ok 2.0 s"),
  LogRowCase(
    name: "a dry run",
    records: [
      allowed,
      transfer(
        #""status":0,"duration_ms":1049"#, "dry-run",
        #""snapshot":"skipped","snapshot_reason":"unchanged""#),
    ],
    outcome: "dry run      1.0 s"),
  LogRowCase(
    name: "a bare module listing",
    records: [
      allowed,
      transfer(
        #""status":255,"duration_ms":100"#, "listed",
        #""snapshot":"skipped","snapshot_reason":"rsync-status""#),
    ],
    outcome: "listed       0.1 s  rsync 255 unexplained error (e.g. a bare module listing)"),
  LogRowCase(
    name: "a pull from the write-only push module",
    records: [
      allowed,
      (
        "transfer-ended",
        #","status":1,"duration_ms":200,"module":"push","request":"push/","activity":"listed","created":0,"changed":0,"deleted":0,"bytes_received":0,"snapshot":"skipped","snapshot_reason":"rsync-status""#
      ),
    ],
    outcome: #"listed       "push/"  0.2 s  rsync 1 syntax or usage error"#),
  LogRowCase(
    name: "a restore, with what it asked for as escaped text",
    records: [
      allowed,
      (
        "transfer-ended",
        #","status":0,"duration_ms":3200,"module":"snapshots","request":"snapshots/hourly.0/d\u001bocs/","activity":"restored","created":0,"changed":0,"deleted":0,"bytes_received":0,"sent":42,"snapshot":"skipped","snapshot_reason":"restored""#
      ),
    ],
    outcome: #"restored     "snapshots/hourly.0/d\x1bocs/"  42 sent  3.2 s"#),
  LogRowCase(
    name: "rsync ended before any module",
    records: [
      allowed,
      transfer(
        #""status":5,"duration_ms":0"#, "none",
        #""snapshot":"skipped","snapshot_reason":"rsync-status""#),
    ],
    outcome: "no transfer  0.0 s  rsync 5 error starting client-server protocol"),
  LogRowCase(
    name: "a failed snapshot",
    records: [
      allowed, transfer(#""status":0,"duration_ms":1000"#, "pushed", #""snapshot":"due""#),
      ("snapshot-ended", #","result":"failed","status":1,"duration_ms":200"#),
    ],
    outcome:
      "pushed       0 created, 0 changed, 0 deleted, 0 B received  1.0 s  snapshot failed status 1 0.2 s"
  ),
  LogRowCase(
    name: "a snapshot whose sync failed",
    records: [
      allowed, transfer(#""status":0,"duration_ms":1000"#, "pushed", #""snapshot":"due""#),
      ("snapshot-ended", #","result":"sync-failed","sync":"failed","status":1,"duration_ms":200"#),
    ],
    outcome:
      "pushed       0 created, 0 changed, 0 deleted, 0 B received  1.0 s  snapshot sync-failed (history unchanged) status 1 0.2 s"
  ),
  LogRowCase(
    name: "a snapshot that could not start",
    records: [
      allowed, transfer(#""status":0"#, "pushed", #""snapshot":"due""#),
      ("snapshot-ended", #","result":"not-started","detail":"cannot start rsnapshot""#),
    ],
    outcome:
      "pushed       0 created, 0 changed, 0 deleted, 0 B received  snapshot not-started: cannot start rsnapshot"
  ),
  LogRowCase(
    name: "the detached snapshot failed before it started",
    records: [
      allowed, transfer(#""status":0"#, "pushed", #""snapshot":"due""#),
      ("failed", #","reason":"key-missing","detail":"no area for key 'laptop'""#),
    ],
    outcome:
      "pushed       0 created, 0 changed, 0 deleted, 0 B received  then failed key-missing: no area for key 'laptop'"
  ),
  LogRowCase(
    name: "an older record: a push without counts",
    records: [
      allowed,
      (
        "transfer-ended",
        #","status":0,"duration_ms":1000,"dry_run":false,"pull":false,"snapshot":"due""#
      ), ("snapshot-ended", #","result":"ok","status":0,"duration_ms":500"#),
    ],
    outcome: "pushed       1.0 s  snapshot ok 0.5 s"),
  LogRowCase(
    name: "an older record: a dry run",
    records: [
      allowed,
      (
        "transfer-ended",
        #","status":0,"duration_ms":1049,"dry_run":true,"snapshot":"skipped","snapshot_reason":"dry-run""#
      ),
    ],
    outcome: "dry run      1.0 s"),
  LogRowCase(
    name: "an older record that does not say what the session was",
    records: [allowed, ("transfer-ended", #","status":99,"snapshot":"skipped""#)],
    outcome: "transfer     rsync 99 unknown status  no snapshot (skipped)"),
  LogRowCase(
    name: "a session cut short before rsync ended",
    records: [allowed], outcome: "allowed      (no transfer-ended: in progress or cut short)"),
  LogRowCase(
    name: "a session whose snapshot never ended",
    records: [
      allowed, transfer(#""status":0,"duration_ms":2000"#, "pushed", #""snapshot":"due""#),
    ],
    outcome:
      "pushed       0 created, 0 changed, 0 deleted, 0 B received  2.0 s  snapshot due (no snapshot-ended: in progress or cut short)"
  ),
  LogRowCase(
    name: "a rotation of the lowest level",
    records: [
      (
        "rotate-ended",
        #","level":"hourly","result":"ok","status":0,"wait_ms":0,"duration_ms":12034"#
      )
    ],
    outcome: "rotate       hourly ok 12.0 s"),
  LogRowCase(
    name: "root's rotate deleted a btrfs snapshot",
    records: [
      (
        "snapshot-deleted",
        #","snapshot":"2026-01-04T000000Z","result":"ok","reason":"deleted: not the first of its day""#
      )
    ],
    outcome: "rotate       delete 2026-01-04T000000Z ok (deleted: not the first of its day)"),
  LogRowCase(
    name: "root's rotate could not delete a btrfs snapshot",
    records: [
      (
        "snapshot-deleted",
        #","snapshot":"2026-01-04T000000Z","result":"failed","reason":"deleted: not the first of its day","detail":"delete btrfs snapshot 'x': Operation not permitted""#
      )
    ],
    outcome:
      "rotate       delete 2026-01-04T000000Z failed: delete btrfs snapshot 'x': Operation not permitted"
  ),
  LogRowCase(
    name: "a rotation with warnings",
    records: [
      (
        "rotate-ended",
        #","level":"daily","result":"warning","status":2,"wait_ms":0,"duration_ms":3000"#
      )
    ],
    outcome: "rotate       daily warning status 2 3.0 s"),
  LogRowCase(
    name: "a rotation that failed",
    records: [
      (
        "rotate-ended",
        #","level":"daily","result":"failed","status":1,"wait_ms":0,"duration_ms":200,"output":"ERROR: x""#
      )
    ],
    outcome: "rotate       daily failed status 1 0.2 s"),
  LogRowCase(
    name: "a rotation that timed out",
    records: [
      ("rotate-ended", #","level":"hourly","result":"timeout","wait_ms":0,"duration_ms":3600000"#)
    ],
    outcome: "rotate       hourly timeout 3600.0 s"),
  LogRowCase(
    name: "a rotation that could not start",
    records: [
      (
        "rotate-ended",
        #","level":"hourly","result":"not-started","detail":"run as uid 0, the owner of /backup/keys/laptop/state","wait_ms":0,"duration_ms":0"#
      )
    ],
    outcome: "rotate       hourly not-started: run as uid 0, the owner of /backup/keys/laptop/state"
  ),
  LogRowCase(
    name: "a rotation that found the area busy",
    records: [
      ("rotate-ended", #","level":"daily","result":"busy","wait_ms":3600000,"duration_ms":0"#)
    ],
    outcome: "rotate       daily busy after 3600.0 s"),
  LogRowCase(
    name: "a rotation skipped because a push was cut short",
    records: [
      (
        "rotate-ended",
        #","level":"hourly","result":"skipped","reason":"incomplete","wait_ms":0,"duration_ms":0"#
      )
    ],
    outcome: "rotate       hourly skipped (incomplete)"),
]

/// Rows and filters.
@Suite struct LogRowTests {
  @Test func rendersAPushWithItsSnapshotAsOneRowUnderTheHeader() {
    let rows = row([
      logRecord("a", "allowed", logAllowedExtra, time: "2026-11-27T12:41:02Z"),
      logRecord("a", "transfer-ended", logPushedExtra),
      logRecord("a", "snapshot-ended", logSnapshotExtra),
    ])
    #expect(
      [LogRow.header] + rows == [
        "time                  key         peer             fingerprint          outcome      details",
        "2026-11-27 12:41:02Z  laptop      203.0.113.7      fp-ssh-ed25519       "
          + "pushed       12 created, 3 changed, 1 deleted, 1.2 MB received  197.0 s  snapshot ok 12.0 s",
      ])
  }

  @Test(arguments: logRowCases)
  func rendersTheOutcome(_ c: LogRowCase) {
    let summaries = groupSessions(c.records.map { logRecord("s", $0.event, $0.extra) })
    #expect(summaries.count == 1)
    // The first four columns fill 72 characters when their values fit, as they do here.
    #expect(summaries.map { String(LogRow.render($0).dropFirst(72)) } == [c.outcome])
    // Nothing outside printable ASCII ever reaches the terminal.
    #expect(summaries.allSatisfy { LogRow.render($0).utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E } })
  }

  @Test(arguments: [
    (0, "0 B"), (999, "999 B"), (1000, "1.0 kB"), (1049, "1.0 kB"), (1050, "1.1 kB"),
    (999_949, "999.9 kB"),
    (999_950, "1.0 MB"), (2_100_000_000, "2.1 GB"), (-5, "0 B"), (Int.max, "4.6 EB"),
  ])
  func rendersSizesInPowersOfAThousand(_ bytes: Int, _ text: String) {
    let summaries = groupSessions([
      logRecord(
        "s", "transfer-ended",
        #","status":0,"activity":"pushed","created":1,"changed":0,"deleted":0,"bytes_received":\#(bytes),"snapshot":"pending","snapshot_reason":"min-interval""#
      )
    ])
    #expect(
      summaries.map(LogRow.render).first?.hasSuffix(
        "deleted, \(text) received  snapshot pending (min-interval)") == true)
  }

  @Test func escapesControlBytesInEveryColumn() {
    let line =
      #"{"v":1,"time":"2026-11-27\u001b12:00:00Z","session":"s","event":"refused","key":"k\u001b[31m","peer":"\u0007host","reason":"x\ny"}"#
    let summaries = groupSessions([AuditEntry(Array(line.utf8))])
    #expect(
      summaries.map(LogRow.render) == [
        #"2026-11-27\x1b12:00:00Z  k\x1b[31m   \x07host         -                    refused      x\ny"#
      ])
  }

  @Test func escapesRawInvalidUTF8FromTheFile() throws {
    var line = Array(
      #"{"v":1,"time":"2026-11-27T12:00:00Z","session":"s","event":"refused","key":"k","command":"a"#
        .utf8)
    line += [0xFF, 0xC0, 0xAF, 0x7F]  // invalid UTF-8, then DEL (JSON allows both raw)
    line += Array(#"b","reason":"not-allowed"}"#.utf8)
    let entry = try #require(AuditEntry(line))
    let summaries = groupSessions([entry])
    let rendered = try #require(summaries.first.map(LogRow.render))
    #expect(
      rendered.hasSuffix(#"refused      not-allowed "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\x7fb""#))
  }

  @Test func marksAnEvictedSession() {
    let summaries = groupSessions([logRecord("a", "allowed"), logRecord("b", "allowed")], limit: 1)
    #expect(
      LogRow.render(summaries[0]).hasSuffix(
        "allowed      (incomplete: too many sessions open at once)"))
  }

  @Test(arguments: [
    ("2026-11-27", 1_795_737_600), ("2026-11-27T12:20:00Z", 1_795_782_000),
    ("30m", 9_000_000 - 1800),
    ("24h", 9_000_000 - 86400), ("7d", 9_000_000 - 7 * 86400), ("2w", 9_000_000 - 14 * 86400),
    ("0s", 9_000_000),
  ])
  func readsFilterTimes(_ text: String, _ expected: Int) {
    #expect(LogRowFilter.time(text, now: 9_000_000) == expected)
  }

  @Test(arguments: [
    "", "h", "24", "24x", "-1h", "+1h", "1.5h", " 1h", "1h ", "２h", "2026-11-31",
    "99999999999999999999d", "105d",
  ])
  func refusesFilterTimes(_ text: String) {
    #expect(LogRowFilter.time(text, now: 9_000_000) == nil)
  }

  @Test func filtersSessionsByFirstRecordTimeKeyAndKind() {
    let sessions = groupSessions([
      logRecord("old", "allowed", time: "2026-11-26T23:59:59Z"),
      logRecord(
        "old", "transfer-ended", #","status":23,"activity":"pushed","snapshot":"pending""#,
        time: "2026-11-27T00:10:00Z"),
      logRecord(
        "list", "transfer-ended", #","status":255,"activity":"listed","snapshot":"skipped""#,
        time: "2026-11-27T00:20:00Z"),
      logRecord(
        "rot", "rotate-ended", #","level":"daily","result":"busy""#, time: "2026-11-27T00:30:00Z"),
      logRecord(
        "idle", "rotate-ended", #","level":"hourly","result":"skipped","reason":"unchanged""#,
        time: "2026-11-27T00:40:00Z"),
      logRecord(
        "wait", "rotate-ended", #","level":"hourly","result":"skipped","reason":"min-interval""#,
        time: "2026-11-27T00:50:00Z"),
      logRecord(
        "part", "rotate-ended", #","level":"hourly","result":"skipped","reason":"incomplete""#,
        time: "2026-11-27T00:55:00Z"),
      logRecord(
        "new", "refused", #","reason":"not-allowed""#, time: "2026-11-27T00:00:00Z", key: "desk"),
      logRecord("bad", "refused", #","reason":"busy""#, time: "yesterday"),
      logRecord("late", "failed", #","reason":"spawn""#, time: "2026-11-28T00:00:00Z"),
    ])
    func kept(_ filter: LogRowFilter) -> [String] { sessions.filter(filter.admits).map(\.session) }
    let day = 1_795_737_600
    #expect(kept(LogRowFilter()) == ["old", "list", "rot", "part", "new", "bad", "late"])
    #expect(
      kept(LogRowFilter(idleRotations: true)) == [
        "old", "list", "rot", "idle", "wait", "part", "new", "bad", "late",
      ])
    #expect(kept(LogRowFilter(since: day)) == ["list", "rot", "part", "new", "late"])
    #expect(kept(LogRowFilter(until: day)) == ["old"])
    #expect(kept(LogRowFilter(since: day, until: day + 86400)) == ["list", "rot", "part", "new"])
    #expect(kept(LogRowFilter(key: "desk")) == ["new"])
    #expect(kept(LogRowFilter(key: "lap")) == [])
    #expect(kept(LogRowFilter(refused: true)) == ["new", "bad"])
    #expect(kept(LogRowFilter(failed: true)) == ["old", "rot", "late"])
    #expect(
      kept(LogRowFilter(refused: true, failed: true)) == ["old", "rot", "new", "bad", "late"])
    #expect(kept(LogRowFilter(key: "laptop", refused: true)) == ["bad"])
  }

  @Test func filtersSingleRecordsForJSON() throws {
    let records = [
      logRecord("a", "allowed", time: "2026-11-26T23:59:59Z"),
      logRecord(
        "a", "transfer-ended", #","status":0,"snapshot":"due""#, time: "2026-11-27T00:00:00Z"),
      logRecord("a", "snapshot-ended", #","result":"failed""#, time: "2026-11-27T00:00:01Z"),
      logRecord("b", "refused", #","reason":"busy""#, time: "2026-11-27T00:00:02Z", key: "desk"),
      logRecord("c", "transfer-ended", #","signal":15"#, time: "2026-11-27T00:00:03Z"),
      logRecord(
        "d", "transfer-ended", #","status":255,"activity":"listed""#, time: "2026-11-27T00:00:04Z"),
      logRecord(
        "e", "rotate-ended", #","level":"daily","result":"timeout""#, time: "2026-11-27T00:00:05Z"),
      logRecord(
        "f", "rotate-ended", #","level":"hourly","result":"skipped","reason":"unchanged""#,
        time: "2026-11-27T00:00:06Z"),
    ].compactMap { $0 }
    func kept(_ filter: LogRowFilter) -> [String] {
      records.filter(filter.admits).map { "\($0.session ?? "") \($0.event ?? "")" }
    }
    #expect(kept(LogRowFilter(since: 1_795_737_600)).count == 6)
    #expect(kept(LogRowFilter(since: 1_795_737_600, idleRotations: true)).count == 7)
    #expect(kept(LogRowFilter(until: 1_795_737_600)) == ["a allowed"])
    #expect(kept(LogRowFilter(key: "desk")) == ["b refused"])
    #expect(kept(LogRowFilter(refused: true)) == ["b refused"])
    #expect(
      kept(LogRowFilter(failed: true)) == [
        "a snapshot-ended", "c transfer-ended", "e rotate-ended",
      ])
  }

  @Test(arguments: [
    ("2026-11-27T00:00:00Z", true), ("2026-11-27T00:00:00", false),
    ("2026-11-27T00:00:00Z ", false),
    ("2026-11-27 00:00:00Z", false), ("2026-1a-27T00:00:00Z", false), ("", false),
  ])
  func recognisesTimestamps(_ text: String, _ expected: Bool) {
    #expect(LogRowFilter.isTimestamp(text) == expected)
  }
}
