// Through a real OpenSSH sshd: a root made by `pushgate init`, the line written by
// `pushgate authorize`, the real ssh and rsync clients. sshd runs per connection as the
// client's ProxyCommand (`sshd -i`), so no port is opened.
import Foundation
import Glibc
import Testing
import TestSupport

private let sshdInstalled =
  installed("/usr/sbin/sshd") && installed("/usr/bin/ssh") && installed("/usr/bin/ssh-keygen")
  && realProgramsInstalled

/// A throwaway sshd configuration, a client key and a backup root for the running account.
private struct SSHDSetup {
  let temporary: TemporaryDirectory
  var path: String { temporary.path }
  var root: String { path + "/backup" }
  var config: String { root + "/pushgate.conf" }
  let user = String(cString: getpwuid(geteuid()).pointee.pw_name)

  init() throws {
    temporary = try TemporaryDirectory()
    // sshd -i insists on its privilege-separation directory.
    try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
    for key in ["hostkey", "client"] {
      #expect(try run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", key, "-f", "\(path)/\(key)"]).status == 0)
    }
    try write(
      """
      HostKey \(path)/hostkey
      AuthorizedKeysFile \(path)/authorized_keys
      PasswordAuthentication no
      KbdInteractiveAuthentication no
      ExposeAuthInfo yes
      PidFile none
      StrictModes no
      LogLevel ERROR

      """, to: path + "/sshd_config")
    let checked = try run("/usr/sbin/sshd", ["-t", "-f", path + "/sshd_config"])
    #expect(checked.status == 0, "sshd -t: \(checked.err)")
    let made = try run(
      Binaries.pushgate,
      ["init", root, "--account", user, "--restore", "--serve", Binaries.serve, "--retain", "hourly=5"])
    #expect(made.status == 0, "init: \(made.err)")
    let authorized = try run(
      Binaries.pushgate,
      ["authorize", "--key", "laptop", "--authorized-keys", path + "/authorized_keys", "--config", config,
       "--serve", Binaries.serve, path + "/client.pub"])
    #expect(authorized.status == 0, "authorize: \(authorized.err)")
    try FileManager.default.createDirectory(atPath: path + "/src", withIntermediateDirectories: true)
  }

  /// The ssh command line rsync's `-e` gets, and `ssh` itself uses.
  var ssh: [String] {
    [
      "/usr/bin/ssh", "-i", path + "/client", "-o", "UserKnownHostsFile=/dev/null", "-o",
      "StrictHostKeyChecking=no", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-o",
      "ProxyCommand=/usr/sbin/sshd -i -f \(path)/sshd_config",
    ]
  }

  func rsync(_ arguments: [String]) throws -> Finished {
    try run(
      "/usr/bin/rsync",
      // rsync splits -e on blanks but honours quotes.
      ["-e", ssh.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " "),
       "--rsync-path=cd \(root) && rsync"] + arguments,
      environment: ["PATH": "/usr/bin:/bin", "HOME": path])
  }

  func sshCommand(_ words: [String]) throws -> Finished {
    try run(ssh[0], Array(ssh.dropFirst()) + ["\(user)@localhost"] + words, environment: ["PATH": "/usr/bin:/bin", "HOME": path])
  }

  var records: [[String: Any]] { auditRecords(config.replacingOccurrences(of: "pushgate.conf", with: "pushgate.log")) }
}

@Test(.enabled(if: sshdInstalled))
func pushesThroughARealSSHDAndLogsTheClientsKey() throws {
  let setup = try SSHDSetup()
  defer { setup.temporary.remove() }
  try write("first\n", to: setup.path + "/src/a.txt")
  try write("kept\n", to: setup.path + "/src/b.txt")
  let first = try setup.rsync(["-a", setup.path + "/src/", "\(setup.user)@localhost::push"])
  #expect(first.status == 0, "client: \(first.err)")
  #expect(first.err.contains("pushgate: snapshot taken"))
  try write("second\n", to: setup.path + "/src/a.txt")
  let second = try setup.rsync(["-a", setup.path + "/src/", "\(setup.user)@localhost::push"])
  #expect(second.status == 0, "client: \(second.err)")
  let snapshots = setup.root + "/snapshots"
  #expect(read(snapshots + "/hourly.0/a.txt") == "second\n")
  #expect(read(snapshots + "/hourly.1/a.txt") == "first\n")
  #expect(try inode(snapshots + "/hourly.0/b.txt") == inode(snapshots + "/hourly.1/b.txt"))

  // The logged key is the client's: same fingerprint as ssh-keygen computes.
  let allowed = setup.records.filter { $0["event"] as? String == "allowed" }
  #expect(allowed.count == 2)
  let logged = try #require(allowed.first?["pubkey"] as? String)
  let clientKey = read(setup.path + "/client.pub").split(separator: " ")
  #expect(logged == String(clientKey[1]))
  #expect(allowed.first?["peer"] as? String == "UNKNOWN")  // sshd -i knows no peer
  #expect(setup.records.filter { $0["event"] as? String == "snapshot-ended" }.count == 2)

  // A restore from the read-only module takes no snapshot.
  let restored = try setup.rsync(["-a", "\(setup.user)@localhost::snapshots/hourly.1/a.txt", setup.path + "/restored"])
  #expect(restored.status == 0, "client: \(restored.err)")
  #expect(read(setup.path + "/restored") == "first\n")
  #expect(setup.records.filter { $0["event"] as? String == "snapshot-ended" }.count == 2)
}

@Test(.enabled(if: sshdInstalled))
func refusesEverythingElseThroughARealSSHD() throws {
  let setup = try SSHDSetup()
  defer { setup.temporary.remove() }
  let listing = try setup.sshCommand(["ls", "/"])
  #expect(listing.status == 77)
  #expect(listing.out.isEmpty)
  #expect(listing.err.contains("pushgate: refused: command not allowed for this key"))
  let interactive = try setup.sshCommand([])
  #expect(interactive.status == 77)
  #expect(interactive.err.contains("pushgate: refused: this key only runs backups"))
  let nonDaemon = try setup.rsync(["-a", setup.path + "/src/", "\(setup.user)@localhost:\(setup.root)/incoming/"])
  #expect(nonDaemon.status != 0)
  #expect(nonDaemon.err.contains("pushgate: refused: command not allowed for this key"))
  let reasons = setup.records.compactMap { $0["reason"] as? String }
  #expect(reasons == ["not-allowed", "not-via-ssh", "not-allowed"])
  #expect(FileManager.default.subpaths(atPath: setup.root + "/incoming")?.isEmpty ?? false)
}
