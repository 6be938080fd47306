// A healthy deployment as doctor's facts: a root made by root for the account 'backup'
// (`pushgate init /backup --account backup --restore`), with two areas made by
// `pushgate authorize`, seen by doctor running as root.
import PushgateAdminCore
import PushgateCore

let doctorAccount = DoctorAccount(
  name: "backup", uid: 1000, gid: 1000, groups: [1000], home: "/home/backup", shell: "/bin/sh")

let doctorSettings = Settings(root: "/backup")

/// rsyncd.conf exactly as init writes it for a non-root account, with the snapshots module.
let doctorRsyncd: String = {
  let account = SetupAccount(name: "backup", uid: 1000, gid: 1000, group: "backup")
  guard
    let request = try? SetupRequest(
      root: "/backup", account: account, runsAsRoot: true, interval: "hourly", retain: [],
      restore: true)
  else { return "" }
  return request.rsyncdConfText
}()

/// An area's rsnapshot.conf exactly as authorize writes it.
func doctorRsnapshot(_ label: String) -> String {
  doctorSettings.rsnapshotConfText(doctorSettings.area(label))
}

let doctorKeys = """
  # clients
  restrict,command="/usr/local/bin/pushgate-serve --config /backup/pushgate.conf --key laptop" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB laptop
  restrict,command="/usr/local/bin/pushgate-serve --config /backup/pushgate.conf --key server" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC server

  """

let doctorSshd =
  "port 22\nexposeauthinfo yes\nacceptenv LANG\nacceptenv LC_*\npermituserenvironment no\n"

let syntaxOK = DoctorRun.ran(status: 0, stdout: "Syntax OK\n", stderr: "")

/// Facts under which every check is `ok`.
func healthyFacts() -> DoctorFacts {
  var facts = DoctorFacts(
    configPath: "/backup/pushgate.conf", settings: .parsed(doctorSettings),
    account: doctorAccount, accountName: "backup", userId: 0, userName: "root")
  let root = DoctorFile(.regular, mode: 0o644)
  let program = DoctorFile(.regular, mode: 0o755)
  let shared = DoctorFile(.directory, uid: 0, gid: 1000, mode: 0o750)
  facts.files = [
    "/backup/pushgate.conf": root,
    "/backup/rsyncd.conf": root,
    "/usr/bin/rsync": program,
    "/usr/bin/rsnapshot": program,
    "/usr/local/bin/pushgate-serve": program,
    "/backup": DoctorFile(.directory, uid: 0, gid: 1000, mode: 0o1770),
    "/backup/keys": shared,
    "/backup/pushgate.log": DoctorFile(
      .regular, uid: 1000, gid: 1000, mode: 0o640, owner: "backup"),
    "/var/run": DoctorFile(.directory, mode: 0o755),
  ]
  for label in ["laptop", "server"] { addArea(&facts, label) }
  facts.rsyncdConf = .success(doctorRsyncd)
  facts.keysEntries = .success(["laptop", "server"])
  facts.authorizedKeysPath = "/home/backup/.ssh/authorized_keys"
  facts.authorizedKeys = .success(doctorKeys)
  facts.rsyncVersion = .ran(
    status: 0, stdout: "rsync  version 3.5.0  protocol version 32\nCopyright\n", stderr: "")
  facts.rsnapshotVersion = .ran(status: 0, stdout: "rsnapshot 1.4.5-1\n", stderr: "")
  facts.shellRun = .ran(status: 0, stdout: "", stderr: "")
  facts.sshdRun = .ran(status: 0, stdout: doctorSshd, stderr: "")
  facts.rootGroupOthers = []
  facts.rootGroupName = "backup"
  return facts
}

/// Adds the files of a healthy area (without listing it in ROOT/keys).
func addArea(_ facts: inout DoctorFacts, _ label: String) {
  let area = doctorSettings.area(label)
  let owned = { (mode: UInt32) in
    DoctorFile(.directory, uid: 1000, gid: 1000, mode: mode, owner: "backup")
  }
  facts.files[area.directory] = DoctorFile(.directory, uid: 0, gid: 1000, mode: 0o750)
  facts.files[area.incoming] = owned(0o750)
  facts.files[area.snapshots] = owned(0o750)
  facts.files[area.state] = owned(0o700)
  facts.files[area.rsnapshotConf] = DoctorFile(.regular, mode: 0o644)
  facts.rsnapshotConfs[label] = .success(doctorRsnapshot(label))
  facts.configtests[label] = syntaxOK
}

/// The healthy facts with rsyncd.conf made of these lines.
func withRsyncd(_ facts: inout DoctorFacts, _ lines: [String]) {
  facts.rsyncdConf = .success(lines.joined(separator: "\n") + "\n")
}

/// A push module that passes every check, without the global lines.
let healthyPush = [
  "[push]", "path = /backup/keys/%PUSHGATE_KEY%/incoming", "read only = no", "write only = yes",
  "incoming chmod = Du+rwx,Fu+rw",
]
