// Faults of the snapshot step with the real rsnapshot through a real sshd: it fails, hangs past
// snapshot_timeout, finds its own lock held, or runs detached while the gate is gone.
import Foundation
import Glibc
import Testing
import TestSupport

@Suite struct FaultSnapshotTests {
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
      textLines(pushed.err).contains("pushgate: snapshot failed (status 1); your data arrived and is kept for the next snapshot"),
      "client: \(pushed.err)")
    let ended = try #require(setup.records("snapshot-ended").last)
    #expect(ended["result"] as? String == "failed")
    #expect(ended["status"] as? Int == 1)
    #expect(ended["mode"] as? String == "wait")
    #expect((ended["output"] as? String ?? "").contains("no_such_option"), "log: \(read(setup.auditLog))")
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
      textLines(pushed.err).contains("pushgate: snapshot timed out and was stopped; your data arrived and is kept for the next snapshot"),
      "client: \(pushed.err)")
    let ended = try #require(setup.records("snapshot-ended").last)
    #expect(ended["result"] as? String == "timeout")
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

  @Test(.enabled(if: sshdAndRealProgramsInstalled))
  func rsnapshotsOwnLockHeldFailsTheSnapshotWithItsMessage() throws {
    let setup = try SSHDSetup()
    defer { setup.remove() }
    try setup.pushBaseline()
    // A live process's pid in rsnapshot's lockfile: this test process.
    try write("\(getpid())\n", to: setup.area + "/state/rsnapshot.pid")
    try write("while locked\n", to: setup.source + "/a.txt")

    let pushed = try setup.push()
    #expect(pushed.status == 69, "client: \(pushed.err)")
    #expect(textLines(pushed.err).contains("pushgate: snapshot failed (status 1); your data arrived and is kept for the next snapshot"))
    let ended = try #require(setup.records("snapshot-ended").last)
    #expect(ended["result"] as? String == "failed")
    #expect(ended["status"] as? Int == 1)
    let output = ended["output"] as? String ?? ""
    #expect(output.contains("Lockfile \(setup.area)/state/rsnapshot.pid exists"), "output: \(output)")
    #expect(setup.snapshots == ["hourly.0"])
    #expect(read(setup.snapshotsDirectory + "/hourly.0/a.txt") == "baseline\n")
    #expect(read(setup.incoming + "/a.txt") == "while locked\n")

    try FileManager.default.removeItem(atPath: setup.area + "/state/rsnapshot.pid")
    let next = try setup.push()
    #expect(next.status == 0, "client: \(next.err)")
    #expect(setup.snapshots == ["hourly.0", "hourly.1"])
    #expect(read(setup.snapshotsDirectory + "/hourly.0/a.txt") == "while locked\n")
  }
}
