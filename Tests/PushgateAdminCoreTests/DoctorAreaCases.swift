// Rows for DoctorCheckTests: ROOT/keys, each area's directories and rsnapshot.conf, and slots.
import PushgateAdminCore

private func row(
  _ name: String, _ level: DoctorLevel, _ check: String, _ found: String, fix: String = "",
  _ change: @escaping @Sendable (inout DoctorFacts) -> Void
) -> DoctorCase {
  DoctorCase(name: name, change: change, expected: DoctorResult(level, check, found, fix: fix))
}

private let laptop = "/backup/keys/laptop"
private let conf = "/backup/keys/laptop/rsnapshot.conf"
private let test = "'/usr/bin/rsnapshot -c /backup/keys/laptop/rsnapshot.conf configtest'"
private let authorize =
  "pushgate authorize --config /backup/pushgate.conf --account backup --key laptop --replace CLIENT-KEY.pub"
private let hazard = "configtest not run as root: "
private let hazardEnd = ", so another account can change what rsnapshot reads"
private let ranAsAccount =
  ", so the backup account can change what rsnapshot reads (configtest ran as backup, not as root)"

private func backupOwned(_ kind: DoctorFile.Kind, _ mode: UInt32) -> DoctorFile {
  DoctorFile(kind, uid: 1000, gid: 1000, mode: mode, owner: "backup")
}

/// laptop's rsnapshot.conf with `target` replaced.
private func laptopConf(_ facts: inout DoctorFacts, _ target: String, _ replacement: String) {
  facts.rsnapshotConfs["laptop"] = .success(
    doctorRsnapshot("laptop").replacingOccurrences(target, replacement))
}

let doctorAreaCases: [DoctorCase] = [
  row(
    "a monitoring user in the group that may write ROOT", .fail, "rootgroup",
    "/backup is writable by its group, which also holds monitor, nagios -- they can create the"
      + " audit log, lock file or .pushgate before the backup account and stop every session",
    fix: "gpasswd -d monitor backup; gpasswd -d nagios backup; give monitoring read access"
      + " through ACLs instead (pushgate-status(8))"
  ) { $0.rootGroupOthers = ["monitor", "nagios"] },
  row(
    "ROOT's ACL lets a monitoring user and a group write", .fail, "rootgroup",
    "/backup's ACL lets u:nagios, g:staff write in it -- they can create the audit log, lock"
      + " file or .pushgate before the backup account and stop every session",
    fix: "setfacl -m u:nagios:x /backup; setfacl -m g:staff:x /backup (monitoring needs only"
      + " passage)"
  ) { $0.rootACLWriters = ["u:nagios", "g:staff"] },
  row(
    "ROOT's ACL gives monitoring passage only", .ok, "rootgroup",
    "/backup is writable by its group, which holds the account alone"
  ) { $0.rootACLWriters = [] },
  row(
    "ROOT's group not looked up", .warn, "rootgroup",
    "the members of /backup's group were not looked up", fix: "run doctor as root"
  ) { $0.rootGroupOthers = nil },
  row(
    "no keys directory", .fail, "areas",
    "/backup/keys does not exist -- no key has an area, so every session is refused",
    fix: "run 'pushgate init /backup'"
  ) {
    $0.keysEntries = .failure(DoctorReadError("No such file or directory"))
    $0.files["/backup/keys"] = .missing
  },
  row(
    "keys directory unreadable", .warn, "areas",
    "cannot list /backup/keys: Permission denied; the areas are not checked",
    fix: "run doctor as root"
  ) { $0.keysEntries = .failure(DoctorReadError("Permission denied")) },
  row(
    "the account cannot enter the keys directory", .fail, "areas",
    "backup cannot enter /backup/keys (owner root, mode 0750) -- every session would fail",
    fix: "chmod 0750 /backup/keys and give it backup's group"
  ) { $0.files["/backup/keys"] = DoctorFile(.directory, mode: 0o750) },
  row(
    "the keys directory a symlink", .fail, "areas",
    "/backup/keys is a symbolic link -- 'pushgate authorize' refuses it, and doctor runs no configtest below it",
    fix: "mount the file system at /backup/keys, or put the directory it points to there"
  ) { $0.files["/backup/keys"] = DoctorFile(.symlink, mode: 0o777) },
  row(
    "the keys directory a symlink: no configtest below it", .fail, "areas",
    "laptop, server: \(hazard)/backup/keys is a symbolic link\(hazardEnd)",
    fix: "put the directory it points to at /backup/keys"
  ) { $0.files["/backup/keys"] = DoctorFile(.symlink, mode: 0o777) },
  row(
    "no areas yet", .warn, "areas", "/backup/keys has no areas -- no key can push yet",
    fix:
      "pushgate authorize --config /backup/pushgate.conf --account backup --key LABEL CLIENT-KEY.pub"
  ) { $0.keysEntries = .success([]) },
  row(
    "names in the keys directory that are not areas", .warn, "areas",
    "/backup/keys holds .junk, evil, which are not areas (not a directory, or not a key label) -- pushgate ignores them",
    fix: "move them out of /backup/keys"
  ) {
    $0.keysEntries = .success([".junk", "evil", "laptop", "server"])
    $0.files["/backup/keys/.junk"] = DoctorFile(.directory, mode: 0o755)
    $0.files["/backup/keys/evil"] = DoctorFile(.symlink, mode: 0o777)
  },
  row(
    "the account cannot enter an area", .fail, "areas",
    "laptop: backup cannot enter \(laptop) (owner root, mode 0700) -- every session would fail",
    fix: "chmod 0750 \(laptop) and give it backup's group"
  ) { $0.files[laptop] = DoctorFile(.directory, mode: 0o700) },
  row(
    "an area with nothing in it", .fail, "areas",
    "laptop: \(laptop) has no incoming/, snapshots/, state/ or rsnapshot.conf -- it is not an area 'pushgate authorize' made",
    fix: authorize
  ) {
    for part in ["incoming", "snapshots", "state", "rsnapshot.conf"] {
      $0.files["\(laptop)/\(part)"] = .missing
    }
  },
  row(
    "incoming missing", .fail, "areas",
    "laptop: \(laptop)/incoming does not exist -- every push of the area would fail",
    fix: "mkdir -m 0750 \(laptop)/incoming && chown backup \(laptop)/incoming"
  ) { $0.files["\(laptop)/incoming"] = .missing },
  row(
    "snapshots a symlink", .fail, "areas",
    "laptop: \(laptop)/snapshots is a symbolic link -- pushgate-serve expects a directory of backup",
    fix:
      "rm \(laptop)/snapshots && mkdir -m 0750 \(laptop)/snapshots && chown backup \(laptop)/snapshots"
  ) { $0.files["\(laptop)/snapshots"] = DoctorFile(.symlink, mode: 0o777) },
  row(
    "state owned by root", .fail, "areas",
    "laptop: \(laptop)/state is owned by root, not backup -- every session of the area would fail",
    fix: "chown -R backup \(laptop)/state"
  ) { $0.files["\(laptop)/state"] = DoctorFile(.directory, mode: 0o700) },
  row(
    "state owned by root in two areas: one line", .fail, "areas",
    "laptop, server: /backup/keys/LABEL/state is owned by root, not backup -- every session of the area would fail",
    fix: "chown -R backup /backup/keys/LABEL/state"
  ) {
    $0.files["\(laptop)/state"] = DoctorFile(.directory, mode: 0o700)
    $0.files["/backup/keys/server/state"] = DoctorFile(.directory, mode: 0o700)
  },
  row(
    "state writable by the group", .warn, "areas",
    "laptop: \(laptop)/state has mode 0770 -- others could change what the gate remembers of the area",
    fix: "chmod 0700 \(laptop)/state"
  ) { $0.files["\(laptop)/state"] = backupOwned(.directory, 0o770) },
  row(
    "more areas than slots", .warn, "slots",
    "2 areas share max_connections = 1 -- when every slot is in use, one key's pushes keep the others out",
    fix:
      "raise max_connections in /backup/pushgate.conf to 2, if the machine can take that many transfers at once"
  ) {
    var settings = doctorSettings
    settings.maxConnections = 1
    $0.settings = .parsed(settings)
  },
]

let doctorRsnapshotCases: [DoctorCase] = [
  row(
    "configtest fails", .fail, "areas",
    "laptop: \(test) fails with status 1: ERROR: \(conf) on line 14: retain daily 7 -- no snapshot of the area would be taken",
    fix: "correct \(conf) (fields are separated by TABs)"
  ) {
    let said =
      "-----\nrsnapshot encountered an error!\n-----\nERROR: \(conf) on line 14:\nERROR: retain daily 7 \nERROR: ----\n"
    $0.configtests["laptop"] = .ran(status: 1, stdout: said, stderr: "")
  },
  row(
    "configtest hangs", .fail, "areas", "laptop: \(test) did not finish in 20 s",
    fix: "run it by hand"
  ) { $0.configtests["laptop"] = .timedOut(seconds: 20) },
  row(
    "configtest could not run as the account", .warn, "areas",
    "laptop: \(test) not run: neither /usr/bin/setpriv nor /usr/sbin/runuser is installed",
    fix: "run it by hand as backup"
  ) {
    $0.configtests["laptop"] = .notRun(
      "neither /usr/bin/setpriv nor /usr/sbin/runuser is installed")
  },
  row(
    "rsnapshot.conf of the account: root runs configtest as the account", .fail, "areas",
    "laptop: \(conf) is owned by backup\(ranAsAccount)",
    fix: "chown root:root \(conf) && chmod 0644 \(conf), or run doctor as backup"
  ) { $0.files[conf] = backupOwned(.regular, 0o644) },
  row(
    "rsnapshot.conf writable by its group", .fail, "areas",
    "laptop: \(hazard)\(conf) has mode 0664\(hazardEnd)", fix: "chmod go-w \(conf)"
  ) { $0.files[conf] = DoctorFile(.regular, mode: 0o664) },
  row(
    "the area's directory belongs to the account", .fail, "areas",
    "laptop: \(laptop) is owned by backup\(ranAsAccount)", fix: "chown root:root \(laptop)"
  ) { $0.files[laptop] = backupOwned(.directory, 0o750) },
  row(
    "a root writable by the group, not sticky: every area", .fail, "areas",
    "laptop, server: \(hazard)/backup has mode 0770\(hazardEnd)", fix: "chmod go-w /backup"
  ) { $0.files["/backup"] = DoctorFile(.directory, gid: 1000, mode: 0o770) },
  row(
    "rsnapshot.conf missing", .fail, "areas",
    "laptop: \(conf) does not exist -- no snapshot of the area would be taken", fix: authorize
  ) { $0.files[conf] = .missing },
  row(
    "rsnapshot.conf a symlink", .fail, "areas", "laptop: \(conf) is a symbolic link",
    fix: "rm \(conf), then \(authorize)"
  ) { $0.files[conf] = DoctorFile(.symlink, mode: 0o777) },
  row(
    "rsnapshot.conf unreadable by root", .fail, "areas",
    "laptop: cannot read \(conf): Permission denied", fix: "chmod 0644 \(conf)"
  ) { $0.rsnapshotConfs["laptop"] = .failure(DoctorReadError("Permission denied")) },
  row(
    "rsnapshot.conf unreadable by another user", .warn, "areas",
    "laptop: cannot read \(conf): Permission denied", fix: "run doctor as root"
  ) {
    $0.userId = 1001
    $0.userName = "alice"
    $0.rsnapshotConfs["laptop"] = .failure(DoctorReadError("Permission denied"))
  },
  row(
    "the wrong backup point", .fail, "areas",
    "laptop: \(conf) has backup points /backup/keys/server/incoming/, not \(laptop)/incoming/ -- snapshots would not hold the pushes",
    fix: "set 'backup<TAB>\(laptop)/incoming/<TAB>./'"
  ) { laptopConf(&$0, "backup\t\(laptop)/incoming/", "backup\t/backup/keys/server/incoming/") },
  row(
    "snapshots kept elsewhere", .fail, "areas",
    "laptop: \(conf) keeps snapshots in /backup/snapshots/, not \(laptop)/snapshots/ -- the area's history would be elsewhere",
    fix: "set 'snapshot_root<TAB>\(laptop)/snapshots/'"
  ) { laptopConf(&$0, "snapshot_root\t\(laptop)/snapshots/", "snapshot_root\t/backup/snapshots/") },
  row(
    "rsync compares whole seconds (an area from before --modify-window=-1)", .fail, "areas",
    "laptop: \(conf) does not pass --modify-window=-1 to rsync -- a file rewritten at the same size within the same second would keep its old content in the next snapshot",
    fix:
      "set 'rsync_long_args<TAB>--delete --numeric-ids --delete-excluded --modify-window=-1' in \(conf)"
  ) { laptopConf(&$0, " --modify-window=-1", "") },
  row(
    "no sync_first (an area from before sync-first)", .fail, "areas",
    "laptop: \(conf) does not set sync_first 1 -- pushgate-serve runs 'rsnapshot sync' and then the first level, which fails without it",
    fix: "add the line 'sync_first<TAB>1' to \(conf)"
  ) { laptopConf(&$0, "sync_first\t1", "#sync_first\t1") },
  row(
    "sync_first 0", .fail, "areas",
    "laptop: \(conf) does not set sync_first 1 -- pushgate-serve runs 'rsnapshot sync' and then the first level, which fails without it",
    fix: "add the line 'sync_first<TAB>1' to \(conf)"
  ) { laptopConf(&$0, "sync_first\t1", "sync_first\t0") },
  row(
    "a lockfile (an area from before sync-first)", .fail, "areas",
    "laptop, server: /backup/keys/LABEL/rsnapshot.conf sets lockfile /backup/keys/LABEL/state/rsnapshot.pid -- a pid file left by a killed rsnapshot fails the area's next snapshot; the area's lock already keeps runs apart",
    fix: "delete the 'lockfile' line from /backup/keys/LABEL/rsnapshot.conf"
  ) {
    for label in ["laptop", "server"] {
      let pid = doctorSettings.area(label).state + "/rsnapshot.pid"
      $0.rsnapshotConfs[label] = .success(doctorRsnapshot(label) + "lockfile\t\(pid)\n")
    }
  },
  row(
    "levels other than the settings'", .fail, "areas",
    "laptop: \(conf) has the levels hourly, weekly, not hourly, daily, weekly of /backup/pushgate.conf -- pushes and 'pushgate rotate' run those",
    fix: "give it one retain line for each of hourly, daily, weekly, in this order"
  ) { laptopConf(&$0, "retain\tdaily", "#retain\tdaily") },
]
