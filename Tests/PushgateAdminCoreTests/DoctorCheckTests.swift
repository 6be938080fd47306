// Every doctor check made to fail (or warn) by one change to healthy facts, with exact text.
import PushgateAdminCore
import Testing

struct DoctorCase: Sendable, CustomTestStringConvertible {
  let name: String
  let change: @Sendable (inout DoctorFacts) -> Void
  let expected: DoctorResult
  var testDescription: String { name }
}

private func row(
  _ name: String, _ level: DoctorLevel, _ check: String, _ found: String, fix: String = "",
  _ change: @escaping @Sendable (inout DoctorFacts) -> Void
) -> DoctorCase {
  DoctorCase(name: name, change: change, expected: DoctorResult(level, check, found, fix: fix))
}

let doctorSettingsCases: [DoctorCase] = [
  row(
    "settings missing", .fail, "settings", "/backup/pushgate.conf does not exist",
    fix: "run 'pushgate init ROOT', or pass --config"
  ) { $0.files["/backup/pushgate.conf"] = .missing },
  row(
    "settings a symlink", .fail, "settings",
    "/backup/pushgate.conf is a symbolic link -- pushgate-serve refuses it",
    fix: "point --config and the authorized_keys line at the real file"
  ) {
    $0.files["/backup/pushgate.conf"] = DoctorFile(.symlink, mode: 0o777)
  },
  row(
    "settings group-writable", .fail, "settings",
    "/backup/pushgate.conf has mode 0664 -- pushgate-serve refuses it",
    fix: "chmod go-w /backup/pushgate.conf"
  ) { $0.files["/backup/pushgate.conf"] = DoctorFile(.regular, mode: 0o664) },
  row(
    "settings owned by someone else", .fail, "settings",
    "/backup/pushgate.conf is owned by mallory -- pushgate-serve refuses it",
    fix: "chown root:root /backup/pushgate.conf"
  ) {
    $0.files["/backup/pushgate.conf"] = DoctorFile(
      .regular, uid: 1001, mode: 0o644, owner: "mallory")
  },
  row(
    "settings owned by the account in a root of root's", .fail, "settings",
    "/backup/pushgate.conf parses; owner backup, mode 0644 in /backup, which is root's -- the backup account can change which programs run",
    fix: "chown root:root /backup/pushgate.conf"
  ) {
    $0.files["/backup/pushgate.conf"] = DoctorFile(
      .regular, uid: 1000, mode: 0o644, owner: "backup")
  },
  row(
    "settings owned by the account in its own root", .warn, "settings",
    "/backup/pushgate.conf parses; owner backup, mode 0644 -- the backup account could change which programs run",
    fix: "chown root:root /backup/pushgate.conf"
  ) {
    $0.files["/backup/pushgate.conf"] = DoctorFile(
      .regular, uid: 1000, mode: 0o644, owner: "backup")
    $0.files["/backup"] = DoctorFile(.directory, uid: 1000, mode: 0o750, owner: "backup")
    $0.userId = 1000  // doctor run as the account that made the root
    $0.userName = "backup"
  },
  row(
    "settings invalid", .fail, "settings", "/backup/pushgate.conf:3: unknown setting 'rot'",
    fix: "correct it (see pushgate.conf(5))"
  ) { $0.settings = .invalid("/backup/pushgate.conf:3: unknown setting 'rot'") },
  row(
    "rsync missing", .fail, "rsync",
    "cannot run '/usr/bin/rsync --version': /usr/bin/rsync: No such file or directory",
    fix: "apt-get install rsync, or set 'rsync' in /backup/pushgate.conf"
  ) {
    $0.rsyncVersion = .notRun("/usr/bin/rsync: No such file or directory")
  },
  row(
    "rsync fails", .fail, "rsync", "'/usr/bin/rsync --version' exits 127",
    fix: "apt-get install rsync, or set 'rsync' in /backup/pushgate.conf"
  ) {
    $0.rsyncVersion = .ran(status: 127, stdout: "", stderr: "")
  },
  row(
    "rsnapshot missing", .fail, "rsnapshot",
    "cannot run '/usr/bin/rsnapshot version': not installed",
    fix: "apt-get install rsnapshot, or set 'rsnapshot' in /backup/pushgate.conf"
  ) { $0.rsnapshotVersion = .notRun("not installed") },
  row(
    "lock file a symlink", .fail, "lockfile",
    "/backup/pushgate.lock is a symbolic link -- pushgate-serve refuses to open it",
    fix: "rm /backup/pushgate.lock (pushgate-serve creates it again)"
  ) {
    $0.files["/backup/pushgate.lock"] = DoctorFile(.symlink, mode: 0o777)
  },
  row(
    "lock file of root readable by the group", .fail, "lockfile",
    "/backup/pushgate.lock has mode 0660 -- whoever can read it can take read locks on the slots and turn every client away",
    fix: "chmod 600 /backup/pushgate.lock"
  ) {
    $0.files["/backup/pushgate.lock"] = DoctorFile(.regular, gid: 1000, mode: 0o660)
  },
  row(
    "lock file cannot be created", .fail, "lockfile",
    "/backup/pushgate.lock does not exist and backup cannot create it in /backup",
    fix: "create it: touch /backup/pushgate.lock && chown backup /backup/pushgate.lock"
  ) {
    $0.files["/backup"] = DoctorFile(.directory, mode: 0o755)
    $0.files["/backup/.pushgate"] = DoctorFile(
      .directory, uid: 1000, mode: 0o700, owner: "backup")
  },
  row(
    "audit log a symlink", .fail, "auditlog",
    "/backup/pushgate.log is a symbolic link -- pushgate-serve refuses to open it",
    fix: "rm /backup/pushgate.log (pushgate-serve creates it again)"
  ) {
    $0.files["/backup/pushgate.log"] = DoctorFile(.symlink, mode: 0o777)
  },
  row(
    "audit log not writable", .fail, "auditlog",
    "/backup/pushgate.log is not writable by backup (owner root, mode 0644)",
    fix: "chown backup /backup/pushgate.log"
  ) { $0.files["/backup/pushgate.log"] = DoctorFile(.regular, mode: 0o644) },
  row(
    "audit log writable by others", .fail, "auditlog",
    "/backup/pushgate.log is writable by others (mode 0666)",
    fix: "chmod o-w /backup/pushgate.log"
  ) {
    $0.files["/backup/pushgate.log"] = DoctorFile(.regular, uid: 1000, mode: 0o666, owner: "backup")
  },
  row(
    "audit log owned by another account", .fail, "auditlog",
    "/backup/pushgate.log is owned by www-data -- pushgate-serve refuses it",
    fix: "chown backup /backup/pushgate.log"
  ) {
    $0.files["/backup/pushgate.log"] = DoctorFile(.regular, uid: 33, mode: 0o644, owner: "www-data")
  },
  row(
    "evidence directory owned by root", .fail, "evidence",
    "/backup/.pushgate is owned by root, not backup -- pushgate-serve refuses it, so every session fails",
    fix: "chown -R backup /backup/.pushgate"
  ) { $0.files["/backup/.pushgate"] = DoctorFile(.directory, mode: 0o700) },
  row(
    "evidence directory group-writable", .fail, "evidence",
    "/backup/.pushgate has mode 0770 -- pushgate-serve refuses it, so every session fails",
    fix: "chmod 0700 /backup/.pushgate"
  ) {
    $0.files["/backup/.pushgate"] = DoctorFile(.directory, uid: 1000, mode: 0o770, owner: "backup")
  },
  row(
    "evidence directory a symlink", .fail, "evidence",
    "/backup/.pushgate is a symbolic link -- pushgate-serve refuses it, so every session fails",
    fix: "rm /backup/.pushgate (pushgate-serve creates it again)"
  ) { $0.files["/backup/.pushgate"] = DoctorFile(.symlink, mode: 0o777) },
  row(
    "evidence directory cannot be created", .fail, "evidence",
    "/backup/.pushgate does not exist and backup cannot create it -- every session would fail",
    fix: "mkdir -m 0700 /backup/.pushgate && chown backup /backup/.pushgate"
  ) {
    $0.files["/backup"] = DoctorFile(.directory, mode: 0o755)
    $0.files["/backup/pushgate.lock"] = DoctorFile(
      .regular, uid: 1000, mode: 0o640, owner: "backup")
  },
]

@Suite struct DoctorCheckTests {
  @Test(
    arguments: doctorSettingsCases + doctorRsyncdCases + doctorAreaCases + doctorRsnapshotCases
      + doctorLoginCases + doctorKeyCases)
  func flagsTheProblem(_ c: DoctorCase) {
    var facts = healthyFacts()
    c.change(&facts)
    let results = DoctorChecks.run(facts)
    #expect(results.contains(c.expected), "\(DoctorResult.render(results).joined(separator: "\n"))")
    #expect(DoctorResult.exitStatus(results) == Int32(c.expected.level.rawValue))
  }
}

/// When doctor cannot tell the account at all, the checks it skips say so, not "unknown
/// account ''".
@Test func skippedChecksSayTheAccountIsNotKnown() {
  var facts = healthyFacts()
  facts.account = nil
  facts.accountName = ""
  let results = DoctorChecks.run(facts)
  #expect(
    results.contains(
      DoctorResult(
        .warn, "lockfile", "/backup/pushgate.lock not checked: the backup account is not known",
        fix: "pass --account")), "\(DoctorResult.render(results).joined(separator: "\n"))")
  #expect(!DoctorResult.render(results).joined().contains("''"))
}

/// A locked password matters only without PAM (PAM's account stage accepts a key login of a
/// locked account), and an unlocked one never.
@Test(arguments: [(true, "yes"), (false, "no"), (nil, "no")] as [(Bool?, String)])
func aLockedPasswordFailsOnlyWithoutPAM(_ locked: Bool?, _ usePAM: String) {
  var facts = healthyFacts()
  facts.passwordLocked = locked
  facts.sshdRun = .ran(status: 0, stdout: doctorSshd + "usepam \(usePAM)\n", stderr: "")
  #expect(!DoctorChecks.run(facts).contains { $0.found.contains("password is locked") })
}

extension String {
  func replacingOccurrences(_ target: String, _ replacement: String) -> String {
    split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
  }
}
