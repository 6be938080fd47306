// Rows of `pushgate log`: exact text, hostile bytes from an edited log, and the filters.
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

let logRowCases: [LogRowCase] = [
  LogRowCase(
    name: "a refusal with the log's visible escapes kept as they are",
    records: [("refused", #","command":"ls /\\x1b[2J","reason":"not-allowed""#)],
    outcome: #"refused not-allowed "ls /\x1b[2J""#),
  LogRowCase(
    name: "a raw escape sequence from an edited file is escaped again",
    records: [("refused", #","command":"ls \u001b[2J\u0007\r\n\t\u009b","reason":"not-allowed""#)],
    outcome: #"refused not-allowed "ls \x1b[2J\x07\r\n\t\xc2\x9b""#),
  LogRowCase(
    name: "quotes and backslashes stay readable",
    records: [("refused", #","command":"sh -c \"id\" \\ end","reason":"not-allowed""#)],
    outcome: #"refused not-allowed "sh -c "id" \ end""#),
  LogRowCase(
    name: "an invalid \\u escape becomes the replacement character, escaped",
    records: [("refused", #","command":"a\ud800b","reason":"not-allowed""#)],
    outcome: #"refused not-allowed "a\xef\xbf\xbdb""#),
  LogRowCase(
    name: "a busy refusal without a command",
    records: [("refused", #","reason":"busy","wait_ms":0"#)],
    outcome: "refused busy"),
  LogRowCase(
    name: "a failure with its detail",
    records: [("failed", #","reason":"spawn","detail":"cannot start '/usr/bin/rsync'\u001b]0;x\u0007""#)],
    outcome: #"failed spawn: cannot start '/usr/bin/rsync'\x1b]0;x\x07"#),
  LogRowCase(
    name: "a dry run, snapshot skipped",
    records: [("allowed", ""), ("transfer-ended", #","status":0,"duration_ms":1049,"dry_run":true,"snapshot":"skipped","snapshot_reason":"dry-run""#)],
    outcome: "dry run  rsync 0 success  1.0 s  no snapshot (dry-run)"),
  LogRowCase(
    name: "vanished source files",
    records: [("allowed", ""), ("transfer-ended", #","status":24,"duration_ms":50,"snapshot":"skipped","snapshot_reason":"rsync-status""#)],
    outcome: "pushed  rsync 24 partial transfer due to vanished source files  0.1 s  no snapshot (rsync-status)"),
  LogRowCase(
    name: "rsync killed by a signal",
    records: [("allowed", ""), ("transfer-ended", #","signal":9,"duration_ms":0,"snapshot":"skipped","snapshot_reason":"rsync-signaled""#)],
    outcome: "pushed  rsync killed by signal 9  0.0 s  no snapshot (rsync-signaled)"),
  LogRowCase(
    name: "a restore",
    records: [("allowed", ""), ("transfer-ended", #","status":0,"pull":true,"snapshot":"skipped","snapshot_reason":"pull""#)],
    outcome: "pulled  rsync 0 success  no snapshot (pull)"),
  LogRowCase(
    name: "a failed snapshot",
    records: [("allowed", ""), ("transfer-ended", #","status":0,"duration_ms":1000,"snapshot":"due""#), ("snapshot-ended", #","result":"failed","status":1,"duration_ms":200"#)],
    outcome: "pushed  rsync 0 success  1.0 s  snapshot failed status 1 0.2 s"),
  LogRowCase(
    name: "a snapshot that could not start",
    records: [("allowed", ""), ("transfer-ended", #","status":0,"snapshot":"due""#), ("snapshot-ended", #","result":"not-started","detail":"cannot start rsnapshot""#)],
    outcome: "pushed  rsync 0 success  snapshot not-started: cannot start rsnapshot"),
  LogRowCase(
    name: "an unknown rsync status",
    records: [("allowed", ""), ("transfer-ended", #","status":99,"snapshot":"skipped""#)],
    outcome: "pushed  rsync 99 unknown status  no snapshot (skipped)"),
  LogRowCase(
    name: "a session cut short before rsync ended",
    records: [("allowed", "")],
    outcome: "allowed  (no transfer-ended: in progress or cut short)"),
  LogRowCase(
    name: "a session whose snapshot never ended",
    records: [("allowed", ""), ("transfer-ended", #","status":0,"duration_ms":2000,"snapshot":"due""#)],
    outcome: "pushed  rsync 0 success  2.0 s  snapshot due (no snapshot-ended: in progress or cut short)"),
]

/// Rows and filters.
@Suite struct LogRowTests {
  @Test func rendersAPushWithItsSnapshotAsOneFixedWidthRow() {
    let rows = row([
      logRecord("a", "allowed", logAllowedExtra, time: "2026-11-27T12:41:02Z"),
      logRecord("a", "transfer-ended", logPushedExtra),
      logRecord("a", "snapshot-ended", logSnapshotExtra),
    ])
    #expect(rows == [
      "2026-11-27 12:41:02Z  laptop      203.0.113.7      fp-ssh-ed25519       "
        + "pushed  rsync 0 success  197.0 s  snapshot ok 12.0 s"
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

  @Test func escapesControlBytesInEveryColumn() {
    let line = #"{"v":1,"time":"2026-11-27\u001b12:00:00Z","session":"s","event":"refused","key":"k\u001b[31m","peer":"\u0007host","reason":"x\ny"}"#
    let summaries = groupSessions([AuditEntry(Array(line.utf8))])
    #expect(summaries.map(LogRow.render) == [
      #"2026-11-27\x1b12:00:00Z  k\x1b[31m   \x07host         -                    refused x\ny"#
    ])
  }

  @Test func escapesRawInvalidUTF8FromTheFile() throws {
    var line = Array(#"{"v":1,"time":"2026-11-27T12:00:00Z","session":"s","event":"refused","key":"k","command":"a"#.utf8)
    line += [0xFF, 0xC0, 0xAF, 0x7F]  // invalid UTF-8, then DEL (JSON allows both raw)
    line += Array(#"b","reason":"not-allowed"}"#.utf8)
    let summaries = groupSessions([try #require(AuditEntry(line))])
    let rendered = try #require(summaries.first.map(LogRow.render))
    #expect(rendered.hasSuffix(#"refused not-allowed "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\x7fb""#))
  }

  @Test func marksAnEvictedSession() {
    let summaries = groupSessions([logRecord("a", "allowed"), logRecord("b", "allowed")], limit: 1)
    #expect(LogRow.render(summaries[0]).hasSuffix("allowed  (incomplete: too many sessions open at once)"))
  }

  @Test(arguments: [
    ("2026-11-27", 1_795_737_600), ("2026-11-27T12:20:00Z", 1_795_782_000), ("30m", 9_000_000 - 1800),
    ("24h", 9_000_000 - 86400), ("7d", 9_000_000 - 7 * 86400), ("2w", 9_000_000 - 14 * 86400),
    ("0s", 9_000_000),
  ])
  func readsFilterTimes(_ text: String, _ expected: Int) {
    #expect(LogRowFilter.time(text, now: 9_000_000) == expected)
  }

  @Test(arguments: ["", "h", "24", "24x", "-1h", "+1h", "1.5h", " 1h", "1h ", "２h", "2026-11-31", "99999999999999999999d", "105d"])
  func refusesFilterTimes(_ text: String) {
    #expect(LogRowFilter.time(text, now: 9_000_000) == nil)
  }

  @Test func filtersSessionsByFirstRecordTimeKeyAndKind() {
    let sessions = groupSessions([
      logRecord("old", "allowed", time: "2026-11-26T23:59:59Z"),
      logRecord("old", "transfer-ended", #","status":23,"snapshot":"skipped""#, time: "2026-11-27T00:10:00Z"),
      logRecord("new", "refused", #","reason":"not-allowed""#, time: "2026-11-27T00:00:00Z", key: "desk"),
      logRecord("bad", "refused", #","reason":"busy""#, time: "yesterday"),
      logRecord("late", "failed", #","reason":"spawn""#, time: "2026-11-28T00:00:00Z"),
    ])
    func kept(_ filter: LogRowFilter) -> [String] { sessions.filter(filter.admits).map(\.session) }
    let day = 1_795_737_600
    #expect(kept(LogRowFilter()) == ["old", "new", "bad", "late"])
    #expect(kept(LogRowFilter(since: day)) == ["new", "late"])
    #expect(kept(LogRowFilter(until: day)) == ["old"])
    #expect(kept(LogRowFilter(since: day, until: day + 86400)) == ["new"])
    #expect(kept(LogRowFilter(key: "desk")) == ["new"])
    #expect(kept(LogRowFilter(key: "lap")) == [])
    #expect(kept(LogRowFilter(refused: true)) == ["new", "bad"])
    #expect(kept(LogRowFilter(failed: true)) == ["old", "late"])
    #expect(kept(LogRowFilter(refused: true, failed: true)) == ["old", "new", "bad", "late"])
    #expect(kept(LogRowFilter(key: "laptop", refused: true)) == ["bad"])
  }

  @Test func filtersSingleRecordsForJSON() throws {
    let records = [
      logRecord("a", "allowed", time: "2026-11-26T23:59:59Z"),
      logRecord("a", "transfer-ended", #","status":0,"snapshot":"due""#, time: "2026-11-27T00:00:00Z"),
      logRecord("a", "snapshot-ended", #","result":"failed""#, time: "2026-11-27T00:00:01Z"),
      logRecord("b", "refused", #","reason":"busy""#, time: "2026-11-27T00:00:02Z", key: "desk"),
      logRecord("c", "transfer-ended", #","signal":15"#, time: "2026-11-27T00:00:03Z"),
    ].compactMap { $0 }
    func kept(_ filter: LogRowFilter) -> [String] {
      records.filter(filter.admits).map { "\($0.session ?? "") \($0.event ?? "")" }
    }
    #expect(kept(LogRowFilter(since: 1_795_737_600)).count == 4)
    #expect(kept(LogRowFilter(until: 1_795_737_600)) == ["a allowed"])
    #expect(kept(LogRowFilter(key: "desk")) == ["b refused"])
    #expect(kept(LogRowFilter(refused: true)) == ["b refused"])
    #expect(kept(LogRowFilter(failed: true)) == ["a snapshot-ended", "c transfer-ended"])
  }

  @Test(arguments: [
    ("2026-11-27T00:00:00Z", true), ("2026-11-27T00:00:00", false), ("2026-11-27T00:00:00Z ", false),
    ("2026-11-27 00:00:00Z", false), ("2026-1a-27T00:00:00Z", false), ("", false),
  ])
  func recognisesTimestamps(_ text: String, _ expected: Bool) {
    #expect(LogRowFilter.isTimestamp(text) == expected)
  }
}
