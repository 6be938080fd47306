// pushgate doctor, built, against a root made by the built `pushgate init`: healthy first,
// then broken one way at a time.
import Foundation
import Glibc
import TestSupport
import Testing

private let doctorHasTools = installed("/usr/bin/rsnapshot") && installed("/usr/bin/rsync")
private let doctorRunsAsRoot = geteuid() == 0

private let goodSshd =
  "exposeauthinfo yes\nacceptenv LANG\nacceptenv LC_*\npermituserenvironment no\n"

/// A backup root made by `pushgate init`, an authorized_keys file for it and a fake sshd.
private struct DoctorRoot {
  let temporary: TemporaryDirectory
  var root: String { temporary.path + "/backup" }
  var keys: String { temporary.path + "/authorized_keys" }
  var sshd: String { temporary.path + "/sshd" }

  init(account: String? = nil) throws {
    temporary = try TemporaryDirectory()
    chmod(temporary.path, 0o755)
    let user = account ?? getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? ""
    let made = try run(
      Binaries.pushgate, ["init", root, "--account", user, "--restore", "--serve", Binaries.serve],
      environment: ["PATH": "/usr/bin:/bin"])
    guard made.status == 0 else {
      throw CocoaError(.fileWriteUnknown, userInfo: ["init": made.err])
    }
    try write(
      "restrict,command=\"\(Binaries.serve) --config \(root)/pushgate.conf --key laptop\" "
        + "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB laptop\n", to: keys)
    try sshdPrints(goodSshd)
  }

  func sshdPrints(_ text: String) throws {
    try write("#!/bin/sh\nprintf '%s' '\(text)'\n", to: sshd, mode: 0o755)
  }

  func doctor(_ extra: [String] = []) throws -> (status: Int32, lines: [String]) {
    let finished = try run(
      Binaries.pushgate,
      ["doctor", "--config", root + "/pushgate.conf", "--authorized-keys", keys, "--sshd", sshd]
        + extra,
      environment: ["PATH": "/usr/bin:/bin"])
    return (finished.status, finished.out.split(separator: "\n").map(String.init))
  }

  func edit(_ file: String, _ change: (String) -> String) throws {
    try write(change(read(root + "/" + file)), to: root + "/" + file)
  }
}

@Suite(.enabled(if: doctorHasTools)) struct DoctorTests {
  @Test func aFreshRootIsHealthy() throws {
    let setup = try DoctorRoot()
    defer { setup.temporary.remove() }
    let (status, lines) = try setup.doctor()
    #expect(!lines.contains { $0.hasPrefix("FAIL") }, "\(lines.joined(separator: "\n"))")
    #expect(status == (doctorRunsAsRoot ? 0 : 1), "\(lines.joined(separator: "\n"))")
    #expect(
      lines.first == "ok    settings   \(setup.root)/pushgate.conf parses; owner root, mode 0644")
    #expect(
      lines.contains(
        "ok    rsnapshot  '/usr/bin/rsnapshot -c \(setup.root)/rsnapshot.conf configtest': Syntax OK"
      ))
  }

  /// Breaks the fresh root with `breakIt`, then expects exactly this FAIL line and status 2.
  private func expectFailure(
    _ expected: (DoctorRoot) -> String, _ breakIt: (DoctorRoot) throws -> Void
  ) throws {
    let setup = try DoctorRoot()
    defer { setup.temporary.remove() }
    try breakIt(setup)
    let (status, lines) = try setup.doctor()
    #expect(lines.contains(expected(setup)), "\(lines.joined(separator: "\n"))")
    #expect(status == 2)
  }

  @Test func groupWritableSettings() throws {
    try expectFailure({
      "FAIL  settings   \($0.root)/pushgate.conf has mode 0664 -- pushgate-serve refuses it; fix: chmod go-w \($0.root)/pushgate.conf"
    }) { chmod($0.root + "/pushgate.conf", 0o664) }
  }

  @Test func symlinkedAuditLog() throws {
    try expectFailure({
      "FAIL  auditlog   \($0.root)/pushgate.log is a symbolic link -- pushgate-serve refuses to open it; "
        + "fix: rm \($0.root)/pushgate.log (pushgate-serve creates it again)"
    }) { symlink($0.temporary.path + "/elsewhere.log", $0.root + "/pushgate.log") }
  }

  @Test func modulePreXferExec() throws {
    try expectFailure({ _ in
      "FAIL  rsyncd     module 'push' sets 'pre-xfer exec' -- pushgate's hooks would not run and no snapshot would be taken; fix: remove it"
    }) {
      try $0.edit("rsyncd.conf") {
        $0.replacingOccurrences(of: "[push]\n", with: "[push]\n  pre-xfer exec = /bin/true\n")
      }
    }
  }

  @Test func maxConnectionsOnOurLockFile() throws {
    try expectFailure({
      "FAIL  rsyncd     module 'push' sets 'max connections' on pushgate's lock file \($0.root)/pushgate.lock -- its locks "
        + "would conflict with pushgate's slots; fix: remove 'max connections' and set max_connections in \($0.root)/pushgate.conf"
    }) { setup in
      try setup.edit("rsyncd.conf") {
        $0.replacingOccurrences(
          of: "[push]\n",
          with: "[push]\n  max connections = 2\n  lock file = \(setup.root)/pushgate.lock\n")
      }
    }
  }

  @Test func missingIncomingDirectory() throws {
    try expectFailure({
      "FAIL  rsyncd     module 'push' path \($0.root)/incoming does not exist -- every push would fail; "
        + "fix: mkdir \($0.root)/incoming && chown \(String(cString: getpwuid(geteuid()).pointee.pw_name)) \($0.root)/incoming"
    }) { rmdir($0.root + "/incoming") }
  }

  @Test func wrongBackupPoint() throws {
    try expectFailure({
      "FAIL  rsnapshot  \($0.root)/rsnapshot.conf has backup points \($0.root)/snapshots/, not the push module's path "
        + "\($0.root)/incoming/ -- snapshots would not hold the pushes; fix: set 'backup<TAB>\($0.root)/incoming/<TAB>./'"
    }) { setup in
      try setup.edit("rsnapshot.conf") {
        $0.replacingOccurrences(
          of: "backup\t\(setup.root)/incoming/", with: "backup\t\(setup.root)/snapshots/")
      }
    }
  }

  @Test(.enabled(if: doctorRunsAsRoot)) func permitUserEnvironmentFromSshd() throws {
    try expectFailure({ _ in
      "FAIL  sshd       PermitUserEnvironment yes -- ~/.ssh/environment and environment= could set variables "
        + "for the login shell; fix: set 'PermitUserEnvironment no' in sshd_config"
    }) {
      try $0.sshdPrints(
        goodSshd.replacingOccurrences(of: "environment no", with: "environment yes"))
    }
  }

  @Test func aKeyLineWithoutRestrict() throws {
    try expectFailure({
      "FAIL  keys       \($0.keys):1 lacks 'restrict' -- the key may forward ports and get a pty; fix: start the line with 'restrict,'"
    }) { setup in
      try write(read(setup.keys).replacingOccurrences(of: "restrict,", with: ""), to: setup.keys)
    }
  }
}
