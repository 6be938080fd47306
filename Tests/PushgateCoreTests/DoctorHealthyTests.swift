// doctor on a healthy deployment: every line ok, exit status 0, and the report's layout.
import PushgateCore
import Testing

@Test func aHealthyDeploymentIsAllOk() {
  let results = DoctorChecks.run(healthyFacts())
  #expect(
    DoctorResult.render(results) == [
      "ok    settings   /backup/pushgate.conf parses; owner root, mode 0644",
      "ok    rsync      /usr/bin/rsync --version: rsync version 3.5.0 protocol version 32",
      "ok    rsyncd     module 'push' in /backup/rsyncd.conf: path /backup/incoming writable by backup, write-only, no hooks",
      "ok    rsnapshot  /usr/bin/rsnapshot version: rsnapshot 1.4.5-1",
      "ok    rsnapshot  '/usr/bin/rsnapshot -c /backup/rsnapshot.conf configtest': Syntax OK",
      "ok    rsnapshot  /backup/rsnapshot.conf backs up /backup/incoming/, the push module's path",
      "ok    rsnapshot  lockfile /backup/rsnapshot.pid can be created by backup",
      "ok    lockfile   /backup/pushgate.lock does not exist yet; backup can create it",
      "ok    auditlog   /backup/pushgate.log is writable by backup (owner backup, mode 0640)",
      "ok    shell      login shell /bin/sh; '/bin/sh -c true' as backup prints nothing",
      "ok    keys       /home/backup/.ssh/authorized_keys: 1 key line, each restricted to an existing pushgate-serve and settings file",
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
  #expect(
    DoctorChecks.pathsToInspect(healthyFacts()) == [
      "/backup/pushgate.conf", "/usr/bin/rsync", "/usr/bin/rsnapshot", "/backup/pushgate.lock",
      "/backup", "/backup/pushgate.log", "/backup/incoming", "/var/run/rsyncd.lock", "/var/run",
      "/backup/rsnapshot.pid", "/usr/local/bin/pushgate-serve",
    ])
}

@Test func theRsnapshotConfigComesFromTheSnapshotCommand() {
  #expect(
    DoctorChecks.rsnapshotConfig(["/usr/bin/rsnapshot", "-c", "/b/r.conf", "hourly"]) == "/b/r.conf"
  )
  #expect(DoctorChecks.rsnapshotConfig(["/usr/bin/rsnapshot", "hourly"]) == "/etc/rsnapshot.conf")
  #expect(DoctorChecks.rsnapshotConfig(["/usr/local/bin/snap", "-c", "/b/r.conf"]) == nil)
}

@Test func sshdPatternsMatchLikeSshd() {
  #expect(DoctorChecks.glob("*", matches: "BASH_ENV"))
  #expect(DoctorChecks.glob("B?SH_*", matches: "BASH_ENV"))
  #expect(DoctorChecks.glob("LC_*", matches: "LC_ALL"))
  #expect(!DoctorChecks.glob("LC_*", matches: "LANG"))
  #expect(!DoctorChecks.glob("ENV", matches: "BASH_ENV"))
}
