// Detached snapshots when processes die: the detached process alone holds the area once the
// gate is gone, and a killed detached process gives the area back.
import Foundation
import Glibc
import TestSupport
import Testing

extension SSHDSetup {
  /// The detached `pushgate-serve --snapshot-session` process of this root.
  func detachedSnapshotProcess(within seconds: Double = 30) -> pid_t? {
    var found: pid_t?
    _ = eventually(within: seconds) {
      found = allPids().first {
        !isGone($0) && commandLine($0).contains("--snapshot-session")
          && commandLine($0).contains(config)
      }
      return found != nil
    }
    return found
  }
}

@Suite(.blocking, .tags(.slow), .skippedInQuickRun) struct FaultDetachTests {
  @Test(.enabled(if: sshdAndRealProgramsInstalled))
  func theDetachedSnapshotHoldsTheAreaAfterTheGateIsGone() throws {
    let setup = try SSHDSetup(settings: ["snapshot_mode = detach"])
    defer { setup.remove() }
    try setup.addSettings([try setup.writeSlowSnapshot()])
    try write("first\n", to: setup.source + "/a.txt")
    let pushed = try setup.push()
    #expect(pushed.status == 0, "client: \(pushed.err)")
    let script = try #require(setup.slowSnapshotPid())

    // Whatever is left of the session's gate is killed; the detached process lives on in a
    // session of its own.
    let gate = try #require((setup.records("allowed").first?["pid"] as? Int).map { pid_t($0) })
    if !isGone(gate) { kill(gate, SIGKILL) }
    #expect(eventually(within: 10) { isGone(gate) })
    let detached = try #require(setup.detachedSnapshotProcess())
    #expect(sessionID(detached) == detached)

    try write("second, longer\n", to: setup.source + "/a.txt")
    let refused = try setup.push()
    #expect(refused.status == 5, "client: \(refused.err)")
    #expect(
      textLines(refused.err).contains(
        "@ERROR: a snapshot of this key's backups is running -- try again later"),
      "client: \(refused.err)")
    #expect(read(setup.incoming + "/a.txt") == "first\n")
    #expect(setup.records("refused").last?["reason"] as? String == "snapshot-running")

    try setup.release()
    let ended = try #require(setup.waitForRecord("snapshot-ended"), "log: \(read(setup.auditLog))")
    #expect(ended["result"] as? String == "ok")
    #expect(ended["mode"] as? String == "detach")
    #expect(eventually(within: 10) { isGone(detached) && isGone(script) })
    #expect(setup.snapshots == ["hourly.0"])

    SlowRsnapshot.forget(in: setup.slowDirectory, key: setup.keys[0])
    let next = try setup.push()
    #expect(next.status == 0, "client: \(next.err)")
    #expect(
      try #require(setup.waitForRecord("snapshot-ended", count: 2))["result"] as? String == "ok")
    #expect(setup.snapshots == ["hourly.0", "hourly.1"])
    #expect(read(setup.snapshotsDirectory + "/hourly.0/a.txt") == "second, longer\n")
  }

  @Test(.enabled(if: sshdAndRealProgramsInstalled))
  func aKilledDetachedSnapshotGivesTheAreaBack() throws {
    let setup = try SSHDSetup(settings: ["snapshot_mode = detach"])
    defer { setup.remove() }
    try setup.addSettings([try setup.writeSlowSnapshot()])
    try write("first\n", to: setup.source + "/a.txt")
    #expect(try setup.push().status == 0)
    let script = try #require(setup.slowSnapshotPid())
    let detached = try #require(setup.detachedSnapshotProcess())
    kill(detached, SIGKILL)
    // The snapshot command dies with it (it must not run on without the tree held).
    #expect(
      eventually(within: 15) { isGone(script) && processGroupMembers(script).isEmpty },
      "snapshot script outlived its holder")
    #expect(setup.records("snapshot-ended").isEmpty)
    #expect(setup.snapshots == [])

    try setup.release()
    try write("second, longer\n", to: setup.source + "/a.txt")
    let next = try setup.push()
    #expect(next.status == 0, "client: \(next.err)")
    #expect(try #require(setup.waitForRecord("snapshot-ended"))["result"] as? String == "ok")
    #expect(setup.snapshots == ["hourly.0"])
    #expect(read(setup.snapshotsDirectory + "/hourly.0/a.txt") == "second, longer\n")
  }

  // The push was acknowledged (detach: the client exited 0 at once; wait: the client was told
  // nothing yet) and then the process holding the snapshot dies: the detached process, or the
  // gate itself in wait mode. The pushed tree is in no snapshot, so the area must stay pending
  // for the next push (or `pushgate rotate`) to take, even if nothing changes on the client.
  @Test(.enabled(if: sshdAndRealProgramsInstalled), arguments: ["detach", "wait"])
  func aKilledSnapshotLeavesThePushedTreePending(mode: String) throws {
    let setup = try SSHDSetup(settings: ["snapshot_mode = \(mode)"])
    defer { setup.remove() }
    try setup.addSettings([try setup.writeSlowSnapshot()])
    try write("first\n", to: setup.source + "/a.txt")
    let client = try setup.startPush(setup.source)
    let script = try #require(setup.slowSnapshotPid())
    let gate = try #require((setup.records("allowed").first?["pid"] as? Int).map { pid_t($0) })
    let holder = try #require(mode == "detach" ? setup.detachedSnapshotProcess() : gate)
    kill(holder, SIGKILL)
    #expect(
      eventually(within: 15) { isGone(script) && processGroupMembers(script).isEmpty },
      "snapshot script outlived its holder")
    #expect(client.wait(within: 30) != nil, "the client still runs")
    #expect(setup.records("transfer-ended").first?["snapshot"] as? String == "due")
    #expect(setup.records("snapshot-ended").isEmpty)
    #expect(setup.snapshots == [])
    #expect(read(setup.incoming + "/a.txt") == "first\n")
    try #require(
      read(setup.area + "/state/pending") == "complete\n",
      "the area holds a whole pushed tree that no snapshot has taken")

    try setup.release()
    let next = try setup.push()
    #expect(next.status == 0, "client: \(next.err)")
    let ended = try #require(setup.records("transfer-ended").last)
    #expect(ended["activity"] as? String == "unchanged")
    #expect(ended["snapshot"] as? String == "due", "\(ended)")
    #expect(setup.waitForRecord("snapshot-ended", within: 10)?["result"] as? String == "ok")
    #expect(setup.snapshots == ["hourly.0"])
    #expect(read(setup.snapshotsDirectory + "/hourly.0/a.txt") == "first\n")
  }
}
