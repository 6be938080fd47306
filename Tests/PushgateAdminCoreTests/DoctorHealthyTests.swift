// doctor on a healthy deployment: every line ok, exit status 0, and the report's layout.
import PushgateAdminCore
import Testing

@Test func aHealthyDeploymentIsAllOk() {
  let results = DoctorChecks.run(healthyFacts())
  #expect(
    DoctorResult.render(results) == [
      "ok    settings   /backup/pushgate.conf parses; owner root, mode 0644",
      "ok    rsync      /usr/bin/rsync --version: rsync version 3.5.0 protocol version 32",
      "ok    rsyncd     /backup/rsyncd.conf: [push] is each key's incoming/, write-only, [snapshots] read-only; no module hides what rsync did",
      "ok    rsnapshot  /usr/bin/rsnapshot version: rsnapshot 1.4.5-1",
      "ok    areas      2 areas in /backup/keys (laptop, server): incoming/, snapshots/ and state/ of backup; rsnapshot.conf passes configtest, backs up incoming/ into the area's snapshots/, syncs first",
      "ok    slots      2 areas, max_connections = 8: every key can push at once",
      "ok    lockfile   /backup/pushgate.lock does not exist yet; backup can create it",
      "ok    auditlog   /backup/pushgate.log is writable by backup (owner backup, mode 0640)",
      "ok    evidence   /backup/.pushgate does not exist yet; backup can create it",
      "ok    rootgroup  /backup is writable by its group, which holds the account alone",
      "ok    shell      login shell /bin/sh; '/bin/sh -c true' as backup prints nothing",
      "ok    keys       /home/backup/.ssh/authorized_keys: 2 key lines, each restricted to an existing pushgate-serve and settings file, each with its own area",
      "ok    sshd       ExposeAuthInfo yes: the audit log names the key used",
      "ok    sshd       AcceptEnv LANG LC_* (pushgate-serve ignores them)",
      "ok    sshd       PermitUserEnvironment no",
    ])
  #expect(DoctorResult.exitStatus(results) == 0)
}

@Test func theExitStatusIsTheWorstLevel() {
  let ok = DoctorResult(.ok, "a", "fine")
  let warn = DoctorResult(.warn, "b", "weak", fix: "strengthen it")
  let fail = DoctorResult(.fail, "c", "broken", fix: "mend it")
  #expect(DoctorResult.exitStatus([]) == 0)
  #expect(DoctorResult.exitStatus([ok, warn]) == 1)
  #expect(DoctorResult.exitStatus([fail, ok, warn]) == 2)
  #expect(
    DoctorResult.render([ok, warn, fail]) == [
      "ok    a  fine", "warn  b  weak; fix: strengthen it", "FAIL  c  broken; fix: mend it",
    ])
}

@Test func theReportShowsControlCharactersAsQuestionMarks() {
  #expect(
    DoctorResult.render([DoctorResult(.fail, "shell", "prints 'a\u{1b}[2Jb\r'")])
      == ["FAIL  shell  prints 'a?[2Jb?'"])
}

@Test func thePathsToInspectFollowTheConfigurations() {
  var facts = healthyFacts()
  facts.keysEntries = .success(["laptop", ".junk"])
  withRsyncd(&facts, ["use chroot = no"] + healthyPush + ["max connections = 2"])
  #expect(
    DoctorChecks.pathsToInspect(facts) == [
      "/backup/pushgate.conf", "/usr/bin/rsync", "/usr/bin/rsnapshot", "/backup/pushgate.lock",
      "/backup", "/backup/pushgate.log", "/backup/.pushgate", "/backup/rsyncd.conf",
      "/backup/keys", "/var/run/rsyncd.lock", "/var/run", "/backup/keys/laptop",
      "/backup/keys/laptop/incoming", "/backup/keys/laptop/snapshots",
      "/backup/keys/laptop/state", "/backup/keys/laptop/rsnapshot.conf", "/backup/keys/.junk",
      "/usr/local/bin/pushgate-serve", "/backup/keys/server",
    ])
}

@Test func sshdPatternsMatchLikeSshd() {
  #expect(DoctorChecks.glob("*", matches: "BASH_ENV"))
  #expect(DoctorChecks.glob("B?SH_*", matches: "BASH_ENV"))
  #expect(DoctorChecks.glob("LC_*", matches: "LC_ALL"))
  #expect(!DoctorChecks.glob("LC_*", matches: "LANG"))
  #expect(!DoctorChecks.glob("ENV", matches: "BASH_ENV"))
}
