// snapshot_mode = detach through a real sshd: the client returns while the snapshot still runs.
import Foundation
import Glibc
import TestSupport
import Testing

@Suite(.blocking) struct SSHDDetachTests {
  @Test(.enabled(if: sshdAndRealProgramsInstalled))
  func detachReturnsTheClientBeforeTheSnapshotEnds() throws {
    let setup = try SSHDSetup()
    defer { setup.remove() }
    try setup.addSettings(["snapshot_mode = detach", try setup.writeSlowSnapshot()])
    try write("detached\n", to: setup.source + "/a.txt")

    let pushed = try setup.push()
    #expect(pushed.status == 0, "client: \(pushed.err)")
    #expect(!pushed.err.contains("snapshot"), "client: \(pushed.err)")
    // The client is back; the snapshot is still waiting for the release file.
    let script = try #require(setup.slowSnapshotPid())
    #expect(!isGone(script))
    #expect(setup.records("snapshot-ended").isEmpty)
    #expect(setup.snapshots == [])
    let ended = try #require(setup.records("transfer-ended").first)
    #expect(ended["snapshot"] as? String == "due")
    // The gate's own process is gone; a process in a session of its own holds the area.
    let gate = try #require(setup.records("allowed").first?["pid"] as? Int)
    #expect(eventually(within: 10) { isGone(pid_t(gate)) })

    try setup.release()
    let snapshot = try #require(
      setup.waitForRecord("snapshot-ended"), "audit log: \(read(setup.auditLog))")
    #expect(snapshot["result"] as? String == "ok")
    #expect(snapshot["mode"] as? String == "detach")
    #expect(snapshot["status"] as? Int == 0)
    #expect(snapshot["session"] as? String == ended["session"] as? String)
    #expect(setup.snapshots == ["hourly.0"])
    #expect(read(setup.snapshotsDirectory + "/hourly.0/a.txt") == "detached\n")
    #expect(eventually(within: 10) { isGone(script) })
  }
}
