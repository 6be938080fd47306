// pushgate status with btrfs areas: how many snapshots each keeps and the newest, in the text,
// Nagios and Prometheus renderings; and how the names are counted.
import PushgateAdminCore
import PushgateCore
import Testing

/// laptop keeps three snapshots, server none, and vault's snapshots/ cannot be listed.
private let btrfsAreas = AreaListing.listed([
  AreaReport(
    label: "laptop", lastSnapshot: Timestamp.parse("2026-11-27T10:00:00Z"),
    snapshots: .counted(3, newest: "2026-11-27T100000Z")),
  AreaReport(label: "server", snapshots: .counted(0, newest: nil)),
  AreaReport(label: "vault", snapshots: .unreadable("open '/backup/keys/vault/snapshots': denied")),
])

private func report(thresholds: AgeThresholds? = nil) -> StatusReport {
  StatusReport(
    tally: statusTally([
      transferLine("2026-11-27T09:59:00Z", "pushed", snapshot: "due"),
      statusLine("2026-11-27T10:00:00Z", "snapshot-ended", #""result":"ok""#),
    ]), locks: .notAsked, areas: btrfsAreas, log: "log", thresholds: thresholds)
}

@Suite struct StatusBtrfsTests {
  @Test func theTextShowsEachAreasSnapshotsAndTheNewest() {
    let lines = report().text().split(separator: "\n").map(String.init)
    #expect(
      Array(lines[2...5]) == [
        "key     last backup                last snapshot  pushes 24h  refused 24h  now   pending  snapshots                     last failure",
        "laptop  2026-11-27 10:00 (2h ago)  2h ago                  1            0  idle  no       3, newest 2026-11-27T100000Z  -",
        "server  never                      never                   0            0  idle  no       0                             -",
        "vault   never                      never                   0            0  idle  no       unknown                       -",
      ])
  }

  @Test func theTextHasNoSnapshotsColumnForRsnapshotAreas() {
    let text = StatusReport(
      tally: statusTally([]), locks: .notAsked, areas: .listed([AreaReport(label: "laptop")]),
      log: "log"
    ).text()
    #expect(!text.contains("snapshots"))
  }

  @Test func nagiosAddsTheSnapshotsKeptToThePerfdata() {
    let line = report(thresholds: AgeThresholds(critical: 26 * 3600)).nagios().line
    #expect(line.hasSuffix(" snapshots_running=0;;;0;3 snapshots=3;;;0;"))
  }

  @Test func prometheusExportsTheCountAndTheNewestTime() {
    let text = report().prometheus()
    #expect(
      text.contains(
        """
        # HELP pushgate_snapshots btrfs snapshots named by their UTC time in the key's snapshots/ (absent: rsnapshot, or cannot be read).
        # TYPE pushgate_snapshots gauge
        pushgate_snapshots{key="laptop"} 3
        pushgate_snapshots{key="server"} 0
        # HELP pushgate_newest_snapshot_timestamp_seconds The time in the name of the newest btrfs snapshot in the key's snapshots/ (absent: none, rsnapshot, or cannot be read).
        # TYPE pushgate_newest_snapshot_timestamp_seconds gauge
        pushgate_newest_snapshot_timestamp_seconds{key="laptop"} 1795773600

        """))
  }

  @Test func countsOnlyNamesThatAreSnapshotTimes() {
    let names = ["2026-11-27T100000Z", "junk", "2026-11-28T000000Z", "2026-02-30T000000Z", ".sync"]
    #expect(
      SnapshotCount.of(names.map { Array($0.utf8) }) == .counted(2, newest: "2026-11-28T000000Z"))
    #expect(SnapshotCount.of([]) == .counted(0, newest: nil))
    #expect(SnapshotCount.of([Array("x".utf8)]).newestTime == nil)
  }
}
