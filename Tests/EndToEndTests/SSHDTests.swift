// Through a real OpenSSH sshd: a root made by `pushgate init`, the line written by
// `pushgate authorize`, the real ssh and rsync clients. sshd runs per connection as the
// client's ProxyCommand (`sshd -i`), so no port is opened. Helpers: SSHDSupport.swift.
import Foundation
import Glibc
import TestSupport
import Testing

@Suite(.blocking) struct SSHDTests {
  @Test(.enabled(if: sshdAndRealProgramsInstalled))
  func pushesThroughARealSSHDAndLogsTheClientsKey() throws {
    let setup = try SSHDSetup()
    defer { setup.remove() }
    try write("first\n", to: setup.source + "/a.txt")
    try write("kept\n", to: setup.source + "/b.txt")
    let first = try setup.push()
    #expect(first.status == 0, "client: \(first.err)")
    #expect(first.err.contains("pushgate: snapshot taken"))
    try write("second\n", to: setup.source + "/a.txt")
    let second = try setup.push()
    #expect(second.status == 0, "client: \(second.err)")
    let snapshots = setup.snapshotsDirectory
    #expect(read(snapshots + "/hourly.0/a.txt") == "second\n")
    #expect(read(snapshots + "/hourly.1/a.txt") == "first\n")
    #expect(try inode(snapshots + "/hourly.0/b.txt") == inode(snapshots + "/hourly.1/b.txt"))

    // The logged key is the client's: same base64, and the same SHA256 fingerprint as
    // ssh-keygen computes for client.pub.
    let allowed = setup.records("allowed")
    #expect(allowed.count == 2)
    let logged = try #require(allowed.first?["pubkey"] as? String)
    let loggedType = try #require(allowed.first?["pubkey_type"] as? String)
    let clientKey = read(setup.path + "/client.pub").split(separator: " ")
    #expect(loggedType == String(clientKey[0]))
    #expect(logged == String(clientKey[1]))
    try write("\(loggedType) \(logged)\n", to: setup.path + "/logged.pub")
    let loggedPrint = try #require(try setup.fingerprint(setup.path + "/logged.pub"))
    #expect(loggedPrint.hasPrefix("SHA256:"))
    #expect(try loggedPrint == setup.fingerprint(setup.path + "/client.pub"))
    #expect(allowed.first?["peer"] as? String == "UNKNOWN")  // sshd -i knows no peer
    #expect(setup.records("snapshot-ended").count == 2)

    // A restore from the read-only module takes no snapshot.
    let restored = try setup.rsync([
      "-a", "\(setup.user)@localhost::snapshots/hourly.1/a.txt", setup.path + "/restored",
    ])
    #expect(restored.status == 0, "client: \(restored.err)")
    #expect(read(setup.path + "/restored") == "first\n")
    #expect(setup.records("snapshot-ended").count == 2)
  }

  @Test(.enabled(if: sshdAndRealProgramsInstalled))
  func aDryRunThroughSSHDTransfersNothingAndTakesNoSnapshot() throws {
    let setup = try SSHDSetup()
    defer { setup.remove() }
    try write("one\n", to: setup.source + "/a.txt")
    #expect(try setup.push().status == 0)
    #expect(setup.snapshots == ["hourly.0"])
    try write("one, changed\n", to: setup.source + "/a.txt")
    try write("new\n", to: setup.source + "/b.txt")

    let dry = try setup.push(options: ["-a", "-n", "-v"])
    #expect(dry.status == 0, "client: \(dry.err)")
    #expect(lines(dry.out).contains("b.txt"), "client stdout: \(dry.out)")
    #expect(!dry.err.contains("snapshot"), "client stderr: \(dry.err)")
    #expect(setup.snapshots == ["hourly.0"])
    #expect(setup.files(in: setup.incoming) == ["a.txt"])
    #expect(read(setup.incoming + "/a.txt") == "one\n")
    let ended = try #require(setup.records("transfer-ended").last)
    #expect(ended["status"] as? Int == 0)
    #expect(ended["dry_run"] as? Bool == true)
    #expect(ended["module"] as? String == "push")
    #expect(ended["activity"] as? String == "dry-run")
    expectNoChanges(ended)
    #expect(ended["snapshot"] as? String == "skipped")
    #expect(ended["snapshot_reason"] as? String == "unchanged")
    #expect(setup.records("snapshot-ended").count == 1)
    #expect(
      setup.records.map { $0["event"] as? String }
        == ["allowed", "transfer-ended", "snapshot-ended", "allowed", "transfer-ended"])
  }

  @Test(.enabled(if: sshdAndRealProgramsInstalled))
  func listingTheSnapshotsModuleThroughSSHDTakesNoSnapshot() throws {
    let setup = try SSHDSetup()
    defer { setup.remove() }
    try write("one\n", to: setup.source + "/a.txt")
    #expect(try setup.push().status == 0)

    let listing = try setup.rsync(["\(setup.user)@localhost::snapshots/"])
    #expect(listing.status == 0, "client: \(listing.err)")
    let names = lines(listing.out).compactMap { $0.split(separator: " ").last.map(String.init) }
    #expect(names.contains("hourly.0"), "listing: \(listing.out)")
    #expect(names.contains("."), "listing: \(listing.out)")
    #expect(setup.snapshots == ["hourly.0"])
    let ended = try #require(setup.records("transfer-ended").last)
    #expect(ended["status"] as? Int == 0)
    #expect(ended["module"] as? String == "snapshots")
    #expect(ended["pull"] as? Bool == true)
    // The client lists because it names no destination; that is not sent to the server
    // (no --list-only in its arguments), so the server sees a pull of the module: a restore
    // that sent no file.
    #expect(ended["activity"] as? String == "restored")
    #expect(ended["sent"] == nil)
    expectNoChanges(ended)
    #expect(ended["snapshot"] as? String == "skipped")
    #expect(ended["snapshot_reason"] as? String == "unchanged")
    #expect(setup.records("snapshot-ended").count == 1)
  }

  @Test(.enabled(if: sshdAndRealProgramsInstalled))
  func refusesEverythingElseThroughARealSSHD() throws {
    let setup = try SSHDSetup()
    defer { setup.remove() }
    let listing = try setup.sshCommand(["ls", "/"])
    #expect(listing.status == 77)
    #expect(listing.out.isEmpty)
    #expect(listing.err.contains("pushgate: refused: command not allowed for this key"))
    let interactive = try setup.sshCommand([])
    #expect(interactive.status == 77)
    #expect(interactive.err.contains("pushgate: refused: this key only runs backups"))
    let nonDaemon = try setup.rsync([
      "-a", setup.source + "/", "\(setup.user)@localhost:\(setup.root)/incoming/",
    ])
    #expect(nonDaemon.status != 0)
    #expect(nonDaemon.err.contains("pushgate: refused: command not allowed for this key"))
    let reasons = setup.records.compactMap { $0["reason"] as? String }
    #expect(reasons == ["not-allowed", "interactive", "not-allowed"])
    #expect(setup.files(in: setup.incoming).isEmpty)
  }
}
