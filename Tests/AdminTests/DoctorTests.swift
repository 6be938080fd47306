// pushgate doctor, built, against a root made by the built `pushgate init` with two areas made
// by `pushgate authorize`: healthy first, then broken one way at a time.
import Foundation
import Glibc
import TestSupport
import Testing

private let doctorHasTools =
  installed("/usr/bin/rsnapshot") && installed("/usr/bin/rsync")
  && installed("/usr/bin/ssh-keygen")
private let doctorRunsAsRoot = geteuid() == 0
private let me = getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? ""

private let goodSshd =
  "exposeauthinfo yes\nacceptenv LANG\nacceptenv LC_*\npermituserenvironment no\n"

/// A backup root made by `pushgate init`, with an area and a key line for each label, and a
/// fake sshd.
private struct DoctorRoot {
  let temporary: TemporaryDirectory
  var root: String { temporary.path + "/backup" }
  var config: String { root + "/pushgate.conf" }
  var keys: String { temporary.path + "/authorized_keys" }
  var sshd: String { temporary.path + "/sshd" }
  var logrotate: String { temporary.path + "/logrotate.conf" }

  init(labels: [String] = ["laptop", "server"]) throws {
    temporary = try TemporaryDirectory()
    chmod(temporary.path, 0o755)
    try write(
      "weekly\n\(root)/pushgate.log {\n  su \(me) \(me)\n  create 0640 \(me) \(me)\n  compress\n"
        + "  delaycompress\n}\n", to: logrotate)
    try initRoot(root, options: ["--account", me, "--restore"])
    for label in labels {
      let key = temporary.path + "/" + label
      let generated = try makeSSHKey(key, comment: label)
      guard generated.status == 0 else {
        throw CocoaError(.fileWriteUnknown, userInfo: ["ssh-keygen": generated.err])
      }
      try authorizeKey(
        label, publicKey: key + ".pub", config: config, authorizedKeys: keys, account: me)
    }
    try sshdPrints(goodSshd)
  }

  func sshdPrints(_ text: String) throws {
    try write("#!/bin/sh\nprintf '%s' '\(text)'\n", to: sshd, mode: 0o755)
  }

  func doctor() throws -> (status: Int32, lines: [String]) {
    let finished = try run(
      Binaries.pushgate,
      [
        "doctor", "--config", config, "--authorized-keys", keys, "--sshd", sshd,
        "--logrotate-config", logrotate,
      ],
      environment: ["PATH": "/usr/bin:/bin"])
    return (finished.status, finished.out.split(separator: "\n").map(String.init))
  }

  /// What `pushgate check` says pushgate-serve would do with a session of `key`.
  func check(key: String) throws -> String {
    try run(
      Binaries.pushgate,
      ["check", "--config", config, "--key", key, "--", "cd \(root) && rsync --server --daemon ."],
      environment: ["PATH": "/usr/bin:/bin"]
    ).out
  }

  func edit(_ file: String, _ change: (String) -> String) throws {
    try write(change(read(root + "/" + file)), to: root + "/" + file)
  }

  /// Adds `lines` right after `[push]` in rsyncd.conf; returns the line number of the first.
  func addToPush(_ lines: [String]) throws -> Int {
    let text = read(root + "/rsyncd.conf")
    let before = text.components(separatedBy: "[push]\n")[0]
    try edit("rsyncd.conf") {
      $0.replacingOccurrences(
        of: "[push]\n", with: "[push]\n" + lines.map { "  \($0)\n" }.joined())
    }
    return before.split(separator: "\n", omittingEmptySubsequences: false).count + 1
  }
}

@Suite(.blocking, .enabled(if: doctorHasTools)) struct DoctorTests {
  /// logrotate's copytruncate loses the records written between its copy and its truncate:
  /// doctor fails it, reading the stanza through the main file's include.
  @Test func copytruncateFails() throws {
    let setup = try DoctorRoot(labels: ["laptop"])
    defer { setup.temporary.remove() }
    let included = setup.temporary.path + "/logrotate.d"
    #expect(mkdir(included, 0o755) == 0)
    try write("weekly\ninclude \(included)\n", to: setup.logrotate)
    try write("\(setup.root)/*.log {\n  copytruncate\n}\n", to: included + "/pushgate")
    try write("\(setup.root)/pushgate.log {\n  create\n}\n", to: included + "/pushgate.dpkg-old")
    let (status, lines) = try setup.doctor()
    #expect(status == 2)
    #expect(
      lines.contains(
        "FAIL  logrotate  \(included)/pushgate:1 rotates \(setup.root)/pushgate.log with copytruncate -- records written between the copy and the truncate are lost; fix: replace copytruncate with 'create 0640 \(me) GROUP'"
      ), "\(lines.joined(separator: "\n"))")
  }

  @Test func aFreshRootWithTwoAreasIsHealthy() throws {
    let setup = try DoctorRoot()
    defer { setup.temporary.remove() }
    let (status, lines) = try setup.doctor()
    let report = lines.joined(separator: "\n")
    #expect(!lines.contains { !$0.hasPrefix("ok") && !$0.hasPrefix("warn  sshd") }, "\(report)")
    #expect(status == (doctorRunsAsRoot ? 0 : 1), "\(report)")
    #expect(lines.first == "ok    settings   \(setup.config) parses; owner root, mode 0644")
    #expect(
      lines.contains(
        "ok    rsyncd     \(setup.root)/rsyncd.conf: [push] is each key's incoming/, write-only, [snapshots] read-only; no module hides what rsync did"
      ), "\(report)")
    #expect(
      lines.contains(
        "ok    areas      2 areas in \(setup.root)/keys (laptop, server): incoming/, snapshots/ and state/ of \(me); "
          + "rsnapshot.conf passes configtest, backs up incoming/ into the area's snapshots/, syncs first"
      ), "\(report)")
    #expect(
      lines.contains(
        "ok    keys       \(setup.keys): 2 key lines, each restricted to an existing pushgate-serve and settings file, each with its own area"
      ), "\(report)")
  }

  /// Breaks the fresh root with `breakIt`, then expects these lines and `status`.
  private func expect(
    _ expected: (DoctorRoot) -> [String], status: Int32 = 2, _ breakIt: (DoctorRoot) throws -> Void
  ) throws {
    let setup = try DoctorRoot()
    defer { setup.temporary.remove() }
    try breakIt(setup)
    let (found, lines) = try setup.doctor()
    for line in expected(setup) {
      #expect(lines.contains(line), "\(lines.joined(separator: "\n"))")
    }
    #expect(found == status, "\(lines.joined(separator: "\n"))")
  }

  @Test func aModuleTransferLoggingNoFailsAsTheGateDoes() throws {
    let setup = try DoctorRoot()
    defer { setup.temporary.remove() }
    let line = try setup.addToPush(["transfer logging = no"])
    let problem =
      "\(setup.root)/rsyncd.conf:\(line): module 'push' sets 'transfer logging', which would hide what rsync did from pushgate-serve; remove it"
    let (status, lines) = try setup.doctor()
    #expect(
      lines.contains(
        "FAIL  rsyncd     \(problem); fix: correct \(setup.root)/rsyncd.conf; until then pushgate-serve refuses every session (rsyncd-conf)"
      ), "\(lines.joined(separator: "\n"))")
    #expect(status == 2)
    #expect(try setup.check(key: "laptop") == "fail rsyncd-conf: \(problem)\n")
  }

  @Test func aModuleLogFileAndLogFormatFailEach() throws {
    var first = 0
    try expect({
      [
        "FAIL  rsyncd     \($0.root)/rsyncd.conf:\(first): module 'push' sets 'log file', which would hide what rsync did from pushgate-serve; remove it; "
          + "fix: correct \($0.root)/rsyncd.conf; until then pushgate-serve refuses every session (rsyncd-conf)",
        "FAIL  rsyncd     \($0.root)/rsyncd.conf:\(first + 1): module 'push' sets 'log format', which would hide what rsync did from pushgate-serve; remove it; "
          + "fix: correct \($0.root)/rsyncd.conf; until then pushgate-serve refuses every session (rsyncd-conf)",
      ]
    }) {
      first = try $0.addToPush(["log file = \($0.temporary.path)/rsync.log", "log format = %f"])
    }
  }

  @Test func aModulePreXferExec() throws {
    var line = 0
    try expect({
      [
        "FAIL  rsyncd     \($0.root)/rsyncd.conf:\(line): module 'push' sets 'pre-xfer exec', which would hide what rsync did from pushgate-serve; remove it; "
          + "fix: correct \($0.root)/rsyncd.conf; until then pushgate-serve refuses every session (rsyncd-conf)"
      ]
    }) { line = try $0.addToPush(["pre-xfer exec = /bin/true"]) }
  }

  @Test func maxConnectionsOnOurLockFile() throws {
    try expect({
      [
        "FAIL  rsyncd     module 'push' sets 'max connections' on pushgate's lock file \($0.root)/pushgate.lock -- its locks "
          + "would conflict with pushgate's slots; fix: remove 'max connections' and set max_connections in \($0.config)"
      ]
    }) { _ = try $0.addToPush(["max connections = 2", "lock file = \($0.root)/pushgate.lock"]) }
  }

  @Test func aMissingStateDirectoryInOneArea() throws {
    try expect({
      [
        "ok    areas      1 of 2 areas in \($0.root)/keys (laptop): incoming/, snapshots/ and state/ of \(me); "
          + "rsnapshot.conf passes configtest, backs up incoming/ into the area's snapshots/, syncs first",
        "FAIL  areas      server: \($0.root)/keys/server/state does not exist -- every session of the area would fail; "
          + "fix: mkdir -m 0700 \($0.root)/keys/server/state && chown \(me) \($0.root)/keys/server/state",
      ]
    }) { rmdir($0.root + "/keys/server/state") }
  }

  @Test func aWrongBackupPointInBothAreasIsOneLine() throws {
    try expect({
      [
        "FAIL  areas      laptop, server: \($0.root)/keys/LABEL/rsnapshot.conf has backup points \($0.root)/keys/LABEL/snapshots/, "
          + "not \($0.root)/keys/LABEL/incoming/ -- snapshots would not hold the pushes; fix: set 'backup<TAB>\($0.root)/keys/LABEL/incoming/<TAB>./'"
      ]
    }) { setup in
      for label in ["laptop", "server"] {
        try setup.edit("keys/\(label)/rsnapshot.conf") {
          $0.replacingOccurrences(
            of: "backup\t\(setup.root)/keys/\(label)/incoming/",
            with: "backup\t\(setup.root)/keys/\(label)/snapshots/")
        }
      }
    }
  }

  @Test(.enabled(if: doctorRunsAsRoot))
  func rootRunsNoConfigtestOnAnRsnapshotConfAnotherAccountOwns() throws {
    let setup = try DoctorRoot()
    defer { setup.temporary.remove() }
    let marker = setup.temporary.path + "/configtest-ran"
    let conf = setup.root + "/keys/laptop/rsnapshot.conf"
    try setup.edit("keys/laptop/rsnapshot.conf") {
      $0 + "include_conf\t`/usr/bin/touch \(marker)`\n"
    }
    chown(conf, 65534, 65534)
    let owner = getpwuid(65534).map { String(cString: $0.pointee.pw_name) } ?? "65534"
    let (status, lines) = try setup.doctor()
    #expect(
      lines.contains(
        "FAIL  areas      laptop: configtest not run as root: \(conf) is owned by \(owner), so another account can change what rsnapshot reads; "
          + "fix: chown root:root \(conf) && chmod 0644 \(conf), or run doctor as \(owner)"),
      "\(lines.joined(separator: "\n"))")
    #expect(status == 2)
    #expect(access(marker, F_OK) != 0, "doctor ran rsnapshot on a file another account owns")

    // The same file owned by root is root's own choice: doctor runs configtest on it, which
    // shows that the marker above would have been made.
    chown(conf, 0, 0)
    _ = try setup.doctor()
    #expect(access(marker, F_OK) == 0)
  }

  @Test func aKeyLineWithoutAnArea() throws {
    try expect({
      [
        "FAIL  keys       \($0.keys):3: key 'ghost' has no area \($0.root)/keys/ghost -- pushgate-serve refuses its sessions (no-area); "
          + "fix: pushgate authorize --config \($0.config) --authorized-keys \($0.keys) --key ghost --replace CLIENT-KEY.pub"
      ]
    }) { setup in
      let line = read(setup.keys).split(separator: "\n")[0].replacingOccurrences(
        of: "--key laptop", with: "--key ghost"
      ).replacingOccurrences(of: "AAAA", with: "AAAB")
      try write(read(setup.keys) + line + "\n", to: setup.keys, mode: 0o600)
      #expect(try setup.check(key: "ghost").hasPrefix("refuse no-area: "))
    }
  }

  @Test func moreAreasThanSlotsWarns() throws {
    try expect(
      {
        [
          "warn  slots      2 areas share max_connections = 1 -- when every slot is in use, one key's pushes keep the others out; "
            + "fix: raise max_connections in \($0.config) to 2, if the machine can take that many transfers at once"
        ]
      }, status: 1
    ) { try $0.edit("pushgate.conf") { $0 + "max_connections = 1\n" } }
  }

  @Test func groupWritableSettings() throws {
    try expect({
      [
        "FAIL  settings   \($0.config) has mode 0664 -- pushgate-serve refuses it; fix: chmod go-w \($0.config)"
      ]
    }) { chmod($0.config, 0o664) }
  }

  @Test func symlinkedAuditLog() throws {
    try expect({
      [
        "FAIL  auditlog   \($0.root)/pushgate.log is a symbolic link -- pushgate-serve refuses to open it; "
          + "fix: rm \($0.root)/pushgate.log (pushgate-serve creates it again)"
      ]
    }) { symlink($0.temporary.path + "/elsewhere.log", $0.root + "/pushgate.log") }
  }

  @Test(.enabled(if: doctorRunsAsRoot)) func permitUserEnvironmentFromSshd() throws {
    try expect({ _ in
      [
        "FAIL  sshd       PermitUserEnvironment yes -- ~/.ssh/environment and environment= could set variables "
          + "for the login shell; fix: set 'PermitUserEnvironment no' in sshd_config"
      ]
    }) {
      try $0.sshdPrints(
        goodSshd.replacingOccurrences(of: "environment no", with: "environment yes"))
    }
  }

  @Test func aKeyLineWithoutRestrict() throws {
    try expect({
      [
        "FAIL  keys       \($0.keys):1 lacks 'restrict' -- the key may forward ports and get a pty; fix: start the line with 'restrict,'"
      ]
    }) { setup in
      try write(
        read(setup.keys).replacingOccurrences(of: "restrict,", with: ""), to: setup.keys,
        mode: 0o600)
    }
  }
}
