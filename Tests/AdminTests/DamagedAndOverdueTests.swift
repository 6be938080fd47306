// What log and status say about lines that are not records (a torn write, an edit) and about a
// snapshot that was due and never ended (issue #9, findings on silent skips and 'last failure -').
import Foundation
import TestSupport
import Testing

/// The finding's log: a record cut mid-line on a full disk, the next record glued to it.
private let tornLog = [
  statusTransferLine("2026-11-27T09:00:00Z", "unchanged", reason: "unchanged"),
  #"{"v":1,"time":"2026-11-27T09:30:00Z","session":"1","event":"ref"#,
  statusAuditLine("2026-11-27T09:31:00Z", "refused", #""reason":"not-allowed""#),
  "not json at all\n",
]

/// A push whose snapshot was due at 09:00 and never ended (the gate was killed).
private let overdueLog = [statusTransferLine("2026-11-27T09:00:00Z", "pushed", snapshot: "due")]

@Suite(.blocking) struct DamagedAndOverdueTests {
  @Test func statusCountsDamagedLinesInEveryFormat() throws {
    let root = try StatusRoot(log: tornLog)
    defer { root.remove() }
    let text = try root.status(["--file", root.log] + statusNow)
    #expect(text.status == 0)
    #expect(text.out.contains("log \(root.log), 2 damaged lines skipped\n"))
    let nagios = try root.status(
      ["--file", root.log, "--format", "nagios", "--max-age", "26h"] + statusNow)
    #expect(nagios.status == 0)
    #expect(
      nagios.out.hasPrefix(
        "PUSHGATE OK - 1 key, newest backup 3h ago, oldest 3h ago, 2 damaged lines skipped | "))
    #expect(nagios.out.contains(" damaged_lines=2"))
    let prometheus = try root.status(["--file", root.log, "--format", "prometheus"] + statusNow)
    #expect(prometheus.out.contains("\npushgate_audit_log_damaged_lines 2\n"))
  }

  @Test func logCountsDamagedLinesOnStderrAlsoAsText() throws {
    let root = try StatusRoot(log: tornLog)
    defer { root.remove() }
    let result = try run(Binaries.pushgate, ["log", "--file", root.log])
    #expect(result.status == 0)
    #expect(result.err == "pushgate: skipped 2 lines of the audit log that are not JSON objects\n")
  }

  @Test func statusCountsADueSnapshotThatNeverEndedAsAFailure() throws {
    let root = try StatusRoot(log: overdueLog, settings: ["snapshot_timeout = 3600"])
    defer { root.remove() }
    let text = try root.status(["--config", root.config] + statusNow)
    #expect(text.out.contains("2026-11-27 09:00 (3h ago) snapshot due, never ended\n"))
    let prometheus = try root.status(
      ["--config", root.config, "--format", "prometheus"] + statusNow)
    #expect(prometheus.out.contains("\npushgate_failures_total{key=\"laptop\"} 1\n"))
    #expect(
      prometheus.out.contains(
        "\npushgate_last_failure_timestamp_seconds{key=\"laptop\"} 1795770000\n"))
    // Within snapshot_timeout the snapshot may still be running: no failure yet.
    let early = try root.status(["--config", root.config, "--now", "2026-11-27T09:30:00Z"])
    #expect(early.out.contains("last failure") && !early.out.contains("never ended"))
  }

  @Test func logShowsADueSnapshotThatNeverEndedAsFailed() throws {
    let root = try StatusRoot(log: overdueLog, settings: ["snapshot_timeout = 3600"])
    defer { root.remove() }
    let result = try run(Binaries.pushgate, ["log", "--config", root.config, "--failed"])
    #expect(result.status == 0)
    #expect(
      result.out.contains(
        "snapshot due, never ended (no snapshot-ended within snapshot_timeout): failed"))
  }
}
