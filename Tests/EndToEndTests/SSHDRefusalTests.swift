// Refusals through a real sshd: scp and sftp (the forced command overrides the subsystem), and
// a push while the only slot is held.
import Foundation
import Glibc
import TestSupport
import Testing

/// The line the gate writes for a refused command.
let notAllowedLine =
  "pushgate: refused: command not allowed for this key; it only runs backups (rsync daemon mode)"

/// The non-empty lines of a client's output; CR LF ends (ssh's) count as one line end.
func textLines(_ text: String) -> [String] {
  text.unicodeScalars.split(separator: "\n").map { String(String.UnicodeScalarView($0)) }
    .map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }.filter { !$0.isEmpty }
}

@Suite(.blocking) struct SSHDRefusalTests {
  @Test(
    .enabled(if: sshdAndRealProgramsInstalled && installed("/usr/bin/scp")),
    arguments: [false, true])
  func scpIsRefusedAndNothingRuns(legacyProtocol: Bool) throws {
    let setup = try SSHDSetup()
    defer { setup.remove() }
    try write("secret\n", to: setup.path + "/file")
    let target = setup.path + "/copied"
    let copied = try run(
      "/usr/bin/scp",
      (legacyProtocol ? ["-O"] : []) + setup.sshOptions + [
        setup.path + "/file", "\(setup.user)@localhost:\(target)",
      ],
      environment: setup.clientEnvironment)
    if legacyProtocol {
      // Legacy scp runs `scp -t TARGET`: the gate's one line reaches the client.
      #expect(copied.status == 1, "scp stderr: \(copied.err)")
      #expect(
        textLines(copied.err) == [notAllowedLine, "lost connection"], "scp stderr: \(copied.err)")
    } else {
      // The sftp protocol is a subsystem: sshd discards a subsystem's stderr, so the client
      // cannot show the gate's line; it sees the channel close.
      #expect(copied.status == 255, "scp stderr: \(copied.err)")
      #expect(
        textLines(copied.err) == ["/usr/bin/scp: Connection closed"], "scp stderr: \(copied.err)")
    }
    #expect(!FileManager.default.fileExists(atPath: target))
    let records = setup.records
    try #require(records.count == 1, "audit log: \(read(setup.auditLog))")
    #expect(records[0]["event"] as? String == "refused")
    #expect(records[0]["reason"] as? String == "not-allowed")
    // The new protocol is sftp: sshd hands the gate the subsystem's command instead.
    #expect(
      records[0]["command"] as? String
        == (legacyProtocol ? "scp -t \(target)" : SSHDSetup.sftpServer))
    #expect(setup.files(in: setup.incoming).isEmpty)
  }

  @Test(.enabled(if: sshdAndRealProgramsInstalled && installed("/usr/bin/sftp")))
  func sftpIsRefusedBecauseTheForcedCommandOverridesTheSubsystem() throws {
    let setup = try SSHDSetup()
    defer { setup.remove() }
    try write(
      "put \(setup.path)/sshd_config \(setup.path)/uploaded\nls /\n", to: setup.path + "/batch")
    let session = try run(
      "/usr/bin/sftp", setup.sshOptions + ["-b", setup.path + "/batch", "\(setup.user)@localhost"],
      environment: setup.clientEnvironment)
    // sshd discards a subsystem's stderr: the client sees the channel close, not the gate's line.
    #expect(session.status == 255, "sftp stderr: \(session.err)")
    #expect(textLines(session.err) == ["Connection closed"], "sftp stderr: \(session.err)")
    #expect(session.out.isEmpty, "sftp stdout: \(session.out)")
    #expect(!FileManager.default.fileExists(atPath: setup.path + "/uploaded"))
    let records = setup.records
    try #require(records.count == 1, "audit log: \(read(setup.auditLog))")
    #expect(records[0]["event"] as? String == "refused")
    #expect(records[0]["reason"] as? String == "not-allowed")
    #expect(records[0]["command"] as? String == SSHDSetup.sftpServer)
    #expect(
      records[0]["pubkey"] as? String
        == String(read(setup.path + "/client.pub").split(separator: " ")[1]))
  }

  @Test(.enabled(if: sshdAndRealProgramsInstalled))
  func aSecondPushWhileTheOnlySlotIsHeldIsRefusedAsBusy() throws {
    let setup = try SSHDSetup(settings: ["max_connections = 1"])
    defer { setup.remove() }
    try write("waiting\n", to: setup.source + "/a.txt")
    // A classic fcntl lock from this process on slot 0's byte conflicts with the gate's OFD lock.
    let held = try HeldLock(lockFile: setup.root + "/pushgate.lock", byte: 16)
    // The lock file is the account's, as when its first session makes it.
    try setup.giveToAccount(setup.root + "/pushgate.lock")
    defer { held.release() }
    let refused = try setup.push()
    #expect(refused.status == 5, "client: \(refused.err)")
    #expect(
      lines(refused.err).contains("@ERROR: max connections (1) reached -- try again later"),
      "client: \(refused.err)")
    #expect(setup.files(in: setup.incoming).isEmpty)
    #expect(setup.snapshots == [])
    let records = setup.records
    try #require(records.count == 1, "audit log: \(read(setup.auditLog))")
    #expect(records[0]["event"] as? String == "refused")
    #expect(records[0]["reason"] as? String == "busy")
    #expect(records[0]["command"] as? String == "cd \(setup.root) && rsync --server --daemon .")

    held.release()
    let accepted = try setup.push()
    #expect(accepted.status == 0, "client: \(accepted.err)")
    #expect(setup.snapshots == ["hourly.0"])
    #expect(setup.records("allowed").first?["slot"] as? Int == 0)
  }
}
