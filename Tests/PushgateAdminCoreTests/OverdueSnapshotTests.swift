// A snapshot that was due and never ended (the gate killed mid-snapshot, the machine stopped)
// is a failure once snapshot_timeout has passed: for status, Nagios, Prometheus and log.
import PushgateAdminCore
import PushgateCore
import Testing

struct OverdueCase: Sendable, CustomTestStringConvertible {
  let name: String
  let lines: [String]
  let failures: Int
  let lastFailure: String?
  var sourceLocation: SourceLocation = #_sourceLocation
  var testDescription: String { name }
}

private func snapshotLine(_ time: String, _ result: String, session: String = "0b77d2aa5f3a9c1e")
  -> String
{
  statusLine(time, "snapshot-ended", #""result":"\#(result)","mode":"wait""#)
    .replacingOccurrences(of: "0b77d2aa5f3a9c1e", with: session)
}

private func due(_ time: String, session: String = "0b77d2aa5f3a9c1e") -> String {
  transferLine(time, "pushed", snapshot: "due").replacingOccurrences(
    of: "0b77d2aa5f3a9c1e", with: session)
}

// now = 2026-11-27T12:00:00Z, snapshot_timeout = 3600.
let overdueCases: [OverdueCase] = [
  OverdueCase(
    name: "due two hours ago, never ended: a failure at the time it was due",
    lines: [due("2026-11-27T10:00:00Z")], failures: 1, lastFailure: "2026-11-27T10:00:00Z"),
  OverdueCase(
    name: "due 30 minutes ago: may still run", lines: [due("2026-11-27T11:30:00Z")], failures: 0,
    lastFailure: nil),
  OverdueCase(
    name: "due and ended ok",
    lines: [due("2026-11-27T10:00:00Z"), snapshotLine("2026-11-27T10:01:00Z", "ok")],
    failures: 0, lastFailure: nil),
  OverdueCase(
    name: "due and ended with a timeout: one failure, not two",
    lines: [due("2026-11-27T10:00:00Z"), snapshotLine("2026-11-27T11:00:01Z", "timeout")],
    failures: 1, lastFailure: "2026-11-27T11:00:01Z"),
  OverdueCase(
    name: "another session's end does not count",
    lines: [
      due("2026-11-27T10:00:00Z"),
      snapshotLine("2026-11-27T10:01:00Z", "ok", session: "1111111111111111"),
    ],
    failures: 1, lastFailure: "2026-11-27T10:00:00Z"),
  OverdueCase(
    name: "two sessions never ended",
    lines: [due("2026-11-26T10:00:00Z", session: "1111111111111111"), due("2026-11-27T09:00:00Z")],
    failures: 2, lastFailure: "2026-11-27T09:00:00Z"),
]

@Test(arguments: overdueCases)
func countsADueSnapshotThatNeverEndedAsAFailure(_ c: OverdueCase) {
  var tally = statusTally(c.lines)
  tally.finish()
  let summary = tally.keys["laptop"]
  #expect(summary?.failures == c.failures, sourceLocation: c.sourceLocation)
  #expect(
    summary?.lastFailure == c.lastFailure.flatMap(Timestamp.parse), sourceLocation: c.sourceLocation
  )
  if c.lastFailure == "2026-11-27T10:00:00Z" || c.lastFailure == "2026-11-27T09:00:00Z" {
    #expect(
      summary?.lastFailureReason == StatusTally.snapshotNeverEnded, sourceLocation: c.sourceLocation
    )
  }
}

@Test func theLogMarksADueSnapshotThatNeverEndedAsFailed() {
  var grouper = SessionSummaryGrouper()
  var emitted: [SessionSummary] = []
  for line in [
    due("2026-11-27T10:00:00Z"), due("2026-11-27T11:30:00Z", session: "1111111111111111"),
  ] {
    if let entry = AuditEntry(Array(line.utf8)) {
      grouper.add(entry, fingerprint: { _, _ in nil }, emit: { emitted.append($0) })
    }
  }
  grouper.finish(now: Timestamp.parse("2026-11-27T12:00:00Z"), snapshotTimeout: 3600) {
    emitted.append($0)
  }
  #expect(emitted.map(\.snapshotNeverEnded) == [true, false])
  #expect(emitted.map(\.hasFailed) == [true, false])
}

@Test func statusSaysHowManyDamagedLinesItSkipped() {
  var tally = statusTally([transferLine("2026-11-27T10:00:00Z", "unchanged")])
  tally.damagedLines = 2
  let report = StatusReport(
    tally: tally, locks: .notAsked, log: "/backup/pushgate.log",
    thresholds: AgeThresholds(critical: 86400, warning: nil))
  #expect(report.text().contains("log /backup/pushgate.log, 2 damaged lines skipped\n"))
  #expect(report.nagios().line.contains(", 2 damaged lines skipped | "))
  #expect(report.nagios().line.contains(" damaged_lines=2"))
  #expect(report.nagios().state == .ok)
  #expect(report.prometheus().contains("\npushgate_audit_log_damaged_lines 2\n"))
}
