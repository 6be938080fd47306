// When the session's evidence cannot be written or read, a push still gets its snapshot: the
// record says why, the client is told one line, and doubt counts as a change.
import Foundation
import TestSupport
import Testing

@Test(
  "a full disk under the session's evidence: recorded, the client told, the snapshot taken",
  .blocking,
  .enabled(if: canMountLoopExt4))
func fullEvidenceDiskStillSnapshots() throws {
  let root = try Root()
  defer { root.remove() }
  let disk = try LoopDisk(megabytes: 8, at: root.path + "/.pushgate")
  defer { disk.remove() }
  try disk.fill()

  let result = try root.serve(root.allowedCommand)
  #expect(result.status == 0)
  #expect(
    result.err
      == "pushgate: server could not record what this session changed; it counts as changed\n"
      + "pushgate: snapshot taken\n")
  let transfer = try #require(root.records("transfer-ended").first)
  #expect(transfer.text("snapshot") == "due")
  #expect(transfer.text("activity") == "pushed")
  #expect(transfer.text("transfer_log") == "unreadable")
  #expect(
    transfer.text("evidence_error")
      == "transfer log has no summary line; reserving its space: fallocate: No space left on device"
  )
  #expect(root.snapshotRuns().count == 1)
  #expect(root.records("snapshot-ended").first?.text("result") == "ok")
}

@Test("a transfer log without rsync's summary after status 0 counts as changed", .blocking)
func aLogWithoutItsSummaryIsDue() throws {
  let root = try Root(scenario: Scenario(changes: [], summary: false))
  defer { root.remove() }
  let result = try root.serve(root.allowedCommand)
  #expect(result.status == 0)
  #expect(
    result.err
      == "pushgate: server could not record what this session changed; it counts as changed\n"
      + "pushgate: snapshot taken\n")
  let transfer = try #require(root.records("transfer-ended").first)
  #expect(transfer.text("evidence_error") == "transfer log has no summary line")
  #expect(transfer.text("snapshot") == "due")
  #expect(root.snapshotRuns().count == 1)
}

@Test("a deferral that cannot be recorded in state/pending snapshots now", .blocking)
func aLostDeferralSnapshotsNow() throws {
  let root = try Root(settings: ["snapshot_min_interval = 1h"])
  defer { root.remove() }
  #expect(try root.serve(root.allowedCommand).err == "pushgate: snapshot taken\n")
  // rename(2) of the new pending file over a non-empty directory fails, even for root.
  try FileManager.default.createDirectory(
    atPath: root.area + "/state/pending/blocker", withIntermediateDirectories: true)
  let second = try root.serve(root.allowedCommand)
  #expect(second.status == 0)
  #expect(
    second.err
      == "pushgate: server could not record the pending snapshot; taking it now\n"
      + "pushgate: snapshot taken\n")
  #expect(root.snapshotRuns().count == 2)
  #expect(root.records("transfer-ended").last?.text("snapshot") == "pending")
  let failed = try #require(root.records("failed").last)
  #expect(failed.text("reason") == "area")
  #expect(root.records("snapshot-ended").count == 2)
}
