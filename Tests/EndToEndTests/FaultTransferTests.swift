// Faults in the middle of a real transfer through a real sshd: the client, its ssh, the
// sshd -i, the server's rsync or the gate itself killed. Nothing lost, no snapshot of partial
// data, the slot free again, and the log tells what happened.
import Foundation
import Glibc
import TestSupport
import Testing

@Suite(.blocking, .tags(.slow), .skippedInQuickRun) struct FaultTransferTests {
  @Test(.enabled(if: sshdAndRealProgramsInstalled))
  func clientKilledMidTransfer() throws {
    let setup = try SSHDSetup()
    defer { setup.remove() }
    try setup.pushBaseline()
    let push = try setup.startSlowPush()
    kill(push.client.pid, SIGKILL)
    #expect(push.client.wait(within: 10) == 128 + SIGKILL)

    let session = setup.settledRecords(push)
    #expect(
      session.map { $0["event"] as? String } == ["allowed", "transfer-ended"],
      "log: \(read(setup.auditLog))")
    setup.expectFailedTransfer(try #require(session.last))
    try setup.expectRecovered()
  }

  @Test(.enabled(if: sshdAndRealProgramsInstalled), arguments: ["ssh", "sshd"])
  func connectionCutMidTransfer(killing program: String) throws {
    let setup = try SSHDSetup()
    defer { setup.remove() }
    try setup.pushBaseline()
    let push = try setup.startSlowPush()
    // rsync runs ssh; ssh runs the ProxyCommand, `sshd -i`, whose child (privilege separation:
    // the account's, after it logged in) carries the connection.
    let ssh = try #require(waitForChild(of: push.client.pid, named: "ssh"))
    let victim = try #require(
      program == "ssh"
        ? ssh : waitForChild(of: ssh, named: "sshd").flatMap { waitForChild(of: $0, named: "sshd") }
    )
    kill(victim, SIGKILL)
    let clientStatus = try #require(push.client.wait(within: 30), "client still runs")
    #expect(clientStatus != 0, "client: \(push.client.err)")

    let session = setup.settledRecords(push)
    #expect(
      session.map { $0["event"] as? String } == ["allowed", "transfer-ended"],
      "log: \(read(setup.auditLog))")
    setup.expectFailedTransfer(try #require(session.last))
    try setup.expectRecovered()
  }

  @Test(.enabled(if: sshdAndRealProgramsInstalled))
  func serverRsyncKilledMidTransfer() throws {
    let setup = try SSHDSetup()
    defer { setup.remove() }
    try setup.pushBaseline()
    let push = try setup.startSlowPush()
    let rsync = try #require(waitForChild(of: push.gate, named: "rsync"))
    kill(rsync, SIGKILL)
    let clientStatus = try #require(push.client.wait(within: 30), "client still runs")
    #expect(clientStatus != 0, "client: \(push.client.err)")

    let session = setup.settledRecords(push)
    #expect(
      session.map { $0["event"] as? String } == ["allowed", "transfer-ended"],
      "log: \(read(setup.auditLog))")
    let ended = try #require(session.last)
    #expect(ended["signal"] as? Int == 9, "log: \(read(setup.auditLog))")
    setup.expectFailedTransfer(ended, reason: "rsync-signaled")
    try setup.expectRecovered()
  }

  // With changes pending (a complete tree the interval deferred), a push cut short by a killed
  // gate must not leave its partial tree marked complete: rotate would snapshot it.
  @Test(.enabled(if: sshdAndRealProgramsInstalled))
  func gateKilledMidTransferWhileChangesArePending() throws {
    let setup = try SSHDSetup(settings: ["snapshot_min_interval = 1h"])
    defer { setup.remove() }
    try setup.pushBaseline()
    try write("deferred\n", to: setup.source + "/b.txt")
    let deferred = try setup.push()
    #expect(deferred.status == 0, "client: \(deferred.err)")
    #expect(read(setup.area + "/state/pending") == "complete\n")
    let push = try setup.startSlowPush()
    kill(push.gate, SIGKILL)
    _ = setup.settledRecords(push)
    #expect(read(setup.area + "/state/pending") == "incomplete\n")
    let rotate = try setup.account.run(
      Binaries.pushgate, ["rotate", "hourly", "--config", setup.config])
    #expect(rotate.status == 0, "rotate: \(rotate.err)")
    #expect(setup.records("rotate-ended").last?["reason"] as? String == "incomplete")
    #expect(setup.snapshots == ["hourly.0"], "a partial tree was snapshotted")
  }

  @Test(.enabled(if: sshdAndRealProgramsInstalled))
  func gateKilledMidTransfer() throws {
    let setup = try SSHDSetup()
    defer { setup.remove() }
    try setup.pushBaseline()
    let push = try setup.startSlowPush()
    let rsync = try #require(waitForChild(of: push.gate, named: "rsync"))
    kill(push.gate, SIGKILL)
    // PR_SET_PDEATHSIG: the kernel stops the gate's rsync too, so it holds no slot.
    #expect(eventually(within: 15) { isGone(rsync) }, "rsync \(rsync) outlived its gate")
    let clientStatus = try #require(push.client.wait(within: 30), "client still runs")
    #expect(clientStatus != 0, "client: \(push.client.err)")

    // The cut-short session keeps its decision, and nothing after it.
    let session = setup.settledRecords(push)
    #expect(session.map { $0["event"] as? String } == ["allowed"], "log: \(read(setup.auditLog))")
    // A killed gate cannot remove its evidence files; the next session in its slot replaces
    // and consumes them.
    let leftovers = setup.files(in: setup.root + "/.pushgate")
    #expect(
      leftovers == ["slot-0", "slot-0.transfer"], "the dead session's evidence and transfer log")
    // The gate died before it could decide: the area stays marked incomplete, as it was while
    // rsync ran, so neither rotate nor anything else snapshots the partial tree by itself.
    #expect(read(setup.area + "/state/pending") == "incomplete\n")
    try setup.expectRecovered()
    #expect(setup.records(session: push.session).count == 1)
    #expect(setup.files(in: setup.root + "/.pushgate") == [])
  }
}
