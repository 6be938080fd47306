// Faults of the snapshot step with the real rsnapshot through a real sshd: it fails, hangs past
// snapshot_timeout, finds its own lock held, or runs detached while the gate is gone.
import Foundation
import Glibc
import TestSupport
import Testing

@Suite(.blocking, .tags(.slow), .skippedInQuickRun) struct FaultSnapshotTests {
  @Test(.enabled(if: sshdAndRealProgramsInstalled))
  func aFailingSnapshotKeepsTheDataAndTheNextPushSnapshots() throws {
    let setup = try SSHDSetup()
    defer { setup.remove() }
    try setup.pushBaseline()
    let conf = setup.area + "/rsnapshot.conf"
    let good = read(conf)
    try write(good + "no_such_option\t1\n", to: conf)
    try write("pushed while broken\n", to: setup.source + "/a.txt")

    let pushed = try setup.push()
    #expect(pushed.status == 69, "client: \(pushed.err)")
    #expect(
      textLines(pushed.err).contains(
        "pushgate: snapshot not taken: its sync failed (status 1); the history is unchanged and your data arrived and is kept for the next snapshot"
      ),
      "client: \(pushed.err)")
    let ended = try #require(setup.records("snapshot-ended").last)
    #expect(ended["result"] as? String == "sync-failed")
    #expect(ended["sync"] as? String == "failed")
    #expect(ended["status"] as? Int == 1)
    #expect(ended["mode"] as? String == "wait")
    #expect(
      (ended["output"] as? String ?? "").contains("no_such_option"), "log: \(read(setup.auditLog))")
    #expect(setup.records("transfer-ended").last?["snapshot"] as? String == "due")
    #expect(read(setup.incoming + "/a.txt") == "pushed while broken\n")
    #expect(setup.snapshots == ["hourly.0"])
    #expect(read(setup.snapshotsDirectory + "/hourly.0/a.txt") == "baseline\n")

    try write(good, to: conf)
    let next = try setup.push()
    #expect(next.status == 0, "client: \(next.err)")
    #expect(setup.snapshots == ["hourly.0", "hourly.1"])
    #expect(read(setup.snapshotsDirectory + "/hourly.0/a.txt") == "pushed while broken\n")
    #expect(setup.records("snapshot-ended").last?["result"] as? String == "ok")
  }

  @Test(.enabled(if: sshdAndRealProgramsInstalled))
  func aHungSnapshotIsStoppedWithAllItsProcesses() throws {
    let setup = try SSHDSetup(settings: ["snapshot_timeout = 2"])
    defer { setup.remove() }
    try setup.addSettings([try setup.writeSlowSnapshot()])
    try write("data\n", to: setup.source + "/a.txt")

    let pushed = try setup.push()
    #expect(pushed.status == 69, "client: \(pushed.err)")
    #expect(
      textLines(pushed.err).contains(
        "pushgate: snapshot not taken: its sync timed out and was stopped; the history is unchanged and your data arrived and is kept for the next snapshot"
      ),
      "client: \(pushed.err)")
    // The wrapper holds the sync: it times out, so the level never runs.
    let ended = try #require(setup.records("snapshot-ended").last)
    #expect(ended["result"] as? String == "sync-failed")
    #expect(ended["sync"] as? String == "timeout")
    #expect(ended["mode"] as? String == "wait")
    #expect((ended["duration_ms"] as? Int ?? 0) >= 2000)
    // The script and the sleeps it started (its process group) are gone.
    let script = try #require(setup.slowSnapshotPid())
    #expect(eventually(within: 10) { isGone(script) && processGroupMembers(script).isEmpty })
    #expect(setup.snapshots == [])
    #expect(read(setup.incoming + "/a.txt") == "data\n")

    try setup.release()
    let next = try setup.push()
    #expect(next.status == 0, "client: \(next.err)")
    #expect(setup.snapshots == ["hourly.0"])
    #expect(read(setup.snapshotsDirectory + "/hourly.0/a.txt") == "data\n")
  }

  // Areas have no rsnapshot lockfile (the area lock keeps runs apart): a pid file a killed
  // rsnapshot of an older configuration left behind, even one naming a live process, no
  // longer fails the snapshot.
  @Test(.enabled(if: sshdAndRealProgramsInstalled))
  func aLeftoverRsnapshotPidFileNoLongerFailsTheSnapshot() throws {
    let setup = try SSHDSetup()
    defer { setup.remove() }
    try setup.pushBaseline()
    // A live process's pid in the old lockfile's place: this test process.
    try write("\(getpid())\n", to: setup.area + "/state/rsnapshot.pid")
    try write("while locked\n", to: setup.source + "/a.txt")

    let pushed = try setup.push()
    #expect(pushed.status == 0, "client: \(pushed.err)")
    #expect(textLines(pushed.err).contains("pushgate: snapshot taken"), "client: \(pushed.err)")
    #expect(setup.records("snapshot-ended").last?["result"] as? String == "ok")
    #expect(setup.snapshots == ["hourly.0", "hourly.1"])
    #expect(read(setup.snapshotsDirectory + "/hourly.0/a.txt") == "while locked\n")
    #expect(read(setup.snapshotsDirectory + "/hourly.1/a.txt") == "baseline\n")
  }
}
