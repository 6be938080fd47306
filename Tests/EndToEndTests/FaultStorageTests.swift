// Storage faults with real rsync through a real sshd: incoming/ out of space, and an audit
// log replaced by a symlink.
import Foundation
import Glibc
import TestSupport
import Testing

@Suite(.blocking, .tags(.slow), .skippedInQuickRun) struct FaultStorageTests {
  @Test(.enabled(if: sshdAndRealProgramsInstalled && tmpfsMountWorks))
  func incomingOutOfSpaceFailsThePushAndKeepsTheSnapshots() throws {
    let setup = try SSHDSetup()
    defer { setup.remove() }  // unmounts too
    try setup.pushBaseline()
    let mounted = try run(
      "/bin/mount",
      [
        "-t", "tmpfs", "-o", "size=2m,mode=0750,uid=\(setup.account.uid),gid=\(setup.account.gid)",
        "tmpfs",
        setup.incoming,
      ])
    try #require(mounted.status == 0, "mount: \(mounted.err)")
    try setup.writeBigSource(megabytes: 5)

    let pushed = try setup.push(setup.path + "/bigsrc")
    #expect(pushed.status == 11, "client: \(pushed.err)")
    #expect(pushed.err.contains("No space left on device (28)"), "client: \(pushed.err)")
    let ended = try #require(setup.records("transfer-ended").last)
    #expect(ended["status"] as? Int == 11, "log: \(read(setup.auditLog))")
    // a.txt lands on the empty tmpfs, so it is new there.
    setup.expectFailedTransfer(ended, created: 1)
    #expect(setup.records("snapshot-ended").count == 1)
    #expect(setup.files(in: setup.incoming).filter { $0.contains("big.dat") } == [])
    #expect(setup.snapshots == ["hourly.0"])
    #expect(setup.files(in: setup.snapshotsDirectory + "/hourly.0") == ["a.txt"])
    #expect(read(setup.snapshotsDirectory + "/hourly.0/a.txt") == "baseline\n")

    let unmounted = try run("/bin/umount", [setup.incoming])
    #expect(unmounted.status == 0, "umount: \(unmounted.err)")
    try setup.expectRecovered()
  }

  @Test(.enabled(if: sshdAndRealProgramsInstalled))
  func anAuditLogReplacedBySymlinkRefusesToServe() throws {
    let setup = try SSHDSetup()
    defer { setup.remove() }
    try setup.pushBaseline()
    let elsewhere = setup.path + "/elsewhere"
    try write("", to: elsewhere)
    let before = read(setup.auditLog)
    try FileManager.default.moveItem(
      atPath: setup.auditLog, toPath: setup.path + "/pushgate.log.saved")
    try FileManager.default.createSymbolicLink(
      atPath: setup.auditLog, withDestinationPath: elsewhere)
    try write("never arrives\n", to: setup.source + "/a.txt")

    // The gate exits 71 (ssh passes it on); rsync's client, which never saw a greeting, says 5.
    let line = "pushgate: server error: cannot write the audit log; refusing to serve"
    let gate = try setup.sshCommand(["cd \(setup.root) && rsync --server --daemon ."])
    #expect(gate.status == 71, "ssh: \(gate.err)")
    #expect(gate.out.isEmpty)
    #expect(textLines(gate.err) == [line], "ssh: \(gate.err)")
    let pushed = try setup.push()
    #expect(pushed.status == 5, "client: \(pushed.err)")
    #expect(
      textLines(pushed.err).prefix(2) == [line, "rsync: did not see server greeting"],
      "client: \(pushed.err)")
    #expect(read(elsewhere) == "")
    #expect(read(setup.incoming + "/a.txt") == "baseline\n")
    #expect(setup.snapshots == ["hourly.0"])
    #expect(setup.files(in: setup.root + "/.pushgate") == [])

    try FileManager.default.removeItem(atPath: setup.auditLog)
    try FileManager.default.moveItem(
      atPath: setup.path + "/pushgate.log.saved", toPath: setup.auditLog)
    let next = try setup.push()
    #expect(next.status == 0, "client: \(next.err)")
    #expect(setup.snapshots == ["hourly.0", "hourly.1"])
    #expect(read(setup.snapshotsDirectory + "/hourly.0/a.txt") == "never arrives\n")
    #expect(read(setup.auditLog).hasPrefix(before))
    #expect(setup.records.count == 6)
  }
}
