// A healthy deployment as doctor's facts: a root for a non-root account 'backup'.
import PushgateCore

let doctorAccount = DoctorAccount(
  name: "backup", uid: 1000, gid: 1000, groups: [1000], home: "/home/backup", shell: "/bin/sh")

let doctorRsyncd = """
  # rsyncd.conf
  use chroot = no

  [push]
    path = /backup/incoming
    read only = no
    write only = yes
    list = no

  [snapshots]
    path = /backup/snapshots
    read only = yes

  """

let doctorRsnapshot =
  [
    "config_version\t1.2", "snapshot_root\t/backup/snapshots/", "retain\thourly\t24",
    "lockfile\t/backup/rsnapshot.pid", "backup\t/backup/incoming/\t./",
  ].joined(separator: "\n") + "\n"

let doctorKeys = """
  # clients
  restrict,command="/usr/local/bin/pushgate-serve --config /backup/pushgate.conf --key laptop" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB laptop

  """

let doctorSshd =
  "port 22\nexposeauthinfo yes\nacceptenv LANG\nacceptenv LC_*\npermituserenvironment no\n"

/// Facts under which every check is `ok`.
func healthyFacts() -> DoctorFacts {
  var facts = DoctorFacts(
    configPath: "/backup/pushgate.conf", settings: .parsed(Settings(root: "/backup")),
    account: doctorAccount, accountName: "backup", runsAsRoot: true)
  let root = DoctorFile(.regular, mode: 0o644)
  let program = DoctorFile(.regular, mode: 0o755)
  facts.files = [
    "/backup/pushgate.conf": root,
    "/usr/bin/rsync": program,
    "/usr/bin/rsnapshot": program,
    "/usr/local/bin/pushgate-serve": program,
    "/backup": DoctorFile(.directory, uid: 0, gid: 1000, mode: 0o1770),
    "/backup/incoming": DoctorFile(.directory, uid: 1000, gid: 1000, mode: 0o750, owner: "backup"),
    "/backup/pushgate.log": DoctorFile(
      .regular, uid: 1000, gid: 1000, mode: 0o640, owner: "backup"),
    "/var/run": DoctorFile(.directory, mode: 0o755),
  ]
  facts.rsyncdConf = .success(doctorRsyncd)
  facts.rsnapshotConf = .success(doctorRsnapshot)
  facts.authorizedKeysPath = "/home/backup/.ssh/authorized_keys"
  facts.authorizedKeys = .success(doctorKeys)
  facts.rsyncVersion = .ran(
    status: 0, stdout: "rsync  version 3.5.0  protocol version 32\nCopyright\n", stderr: "")
  facts.rsnapshotVersion = .ran(status: 0, stdout: "rsnapshot 1.4.5-1\n", stderr: "")
  facts.configtest = .ran(status: 0, stdout: "Syntax OK\n", stderr: "")
  facts.shellRun = .ran(status: 0, stdout: "", stderr: "")
  facts.sshdRun = .ran(status: 0, stdout: doctorSshd, stderr: "")
  return facts
}

/// The healthy facts with the push module's parameters replaced.
func withPushModule(
  _ facts: inout DoctorFacts, _ lines: [String], global: [String] = ["use chroot = no"]
) {
  facts.rsyncdConf = .success((global + ["[push]"] + lines).joined(separator: "\n") + "\n")
}

let healthyPush = ["path = /backup/incoming", "read only = no", "write only = yes"]
