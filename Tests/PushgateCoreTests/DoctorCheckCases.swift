// Rows for DoctorCheckTests: rsyncd.conf, the account's shell, authorized_keys and sshd.
import PushgateCore

private func row(
  _ name: String, _ level: DoctorLevel, _ check: String, _ found: String, fix: String = "",
  _ change: @escaping @Sendable (inout DoctorFacts) -> Void
) -> DoctorCase {
  DoctorCase(name: name, change: change, expected: DoctorResult(level, check, found, fix: fix))
}

private let rootAccount = DoctorAccount(
  name: "root", uid: 0, gid: 0, groups: [0], home: "/root", shell: "/bin/sh")
private let maxFix = "remove 'max connections' and set max_connections in /backup/pushgate.conf"

let doctorRsyncdCases: [DoctorCase] = [
  row(
    "rsyncd.conf unreadable", .fail, "rsyncd",
    "cannot read /backup/rsyncd.conf: Permission denied -- every session would fail",
    fix: "run 'pushgate init /backup', or set rsyncd_conf"
  ) { $0.rsyncdConf = .failure(DoctorReadError("Permission denied")) },
  row(
    "no push module", .fail, "rsyncd",
    "/backup/rsyncd.conf has no [push] module -- every push would fail",
    fix: "add it (see 'pushgate init'), or set push_module in /backup/pushgate.conf"
  ) {
    $0.rsyncdConf = .success("use chroot = no\n[Push]\npath = /backup/incoming\n")
  },
  row(
    "module pre-xfer exec", .fail, "rsyncd",
    "module 'push' sets 'pre-xfer exec' -- pushgate's hooks would not run and no snapshot would be taken",
    fix: "remove it"
  ) {
    withPushModule(&$0, healthyPush + ["pre-xfer exec = /bin/true"])
  },
  row(
    "module post-xfer exec, spelled with capitals and blanks", .fail, "rsyncd",
    "module 'push' sets 'post-xfer exec' -- pushgate's hooks would not run and no snapshot would be taken",
    fix: "remove it"
  ) {
    withPushModule(&$0, healthyPush + ["Post-Xfer  EXEC = /bin/true"])
  },
  row(
    "an underscore in a name, which rsync ignores", .warn, "rsyncd",
    "/backup/rsyncd.conf:5: rsync ignores 'write_only' (it does not read '_' as a space)",
    fix: "write 'write only'"
  ) {
    withPushModule(&$0, ["path = /backup/incoming", "read only = no", "write_only = yes"])
  },
  row(
    "global pre-xfer exec", .warn, "rsyncd",
    "the global section sets 'pre-xfer exec'; pushgate-serve replaces it, so it never runs",
    fix: "remove it"
  ) {
    withPushModule(&$0, healthyPush, global: ["use chroot = no", "pre-xfer exec = /bin/true"])
  },
  row(
    "read only by default", .fail, "rsyncd", "module 'push' is read only -- every push would fail",
    fix: "set 'read only = no' in [push]"
  ) { withPushModule(&$0, ["path = /backup/incoming", "write only = yes"]) },
  row(
    "not write-only", .warn, "rsyncd",
    "module 'push' is not write-only -- clients can download what was pushed",
    fix: "set 'write only = yes' in [push]"
  ) { withPushModule(&$0, ["path = /backup/incoming", "read only = no"]) },
  row(
    "max connections on our lock file", .fail, "rsyncd",
    "module 'push' sets 'max connections' on pushgate's lock file /backup/pushgate.lock -- its locks would conflict with pushgate's slots",
    fix: maxFix
  ) {
    withPushModule(
      &$0, healthyPush + ["max connections = 2"],
      global: ["use chroot = no", "lock file = /backup/pushgate.lock"])
  },
  row(
    "max connections on a lock file the account cannot open", .fail, "rsyncd",
    "module 'push' sets 'max connections' with lock file /var/run/rsyncd.lock, which backup cannot open -- every push would fail",
    fix: maxFix
  ) { withPushModule(&$0, healthyPush + ["max connections = 2"]) },
  row(
    "max connections elsewhere", .warn, "rsyncd",
    "module 'push' sets 'max connections = 2' -- rsync counts connections too",
    fix: "remove it and set max_connections in /backup/pushgate.conf"
  ) {
    withPushModule(&$0, healthyPush + ["max connections = 2", "lock file = /backup/rsyncd.lock"])
  },
  row(
    "use chroot for a non-root account", .fail, "rsyncd",
    "'use chroot' is on but backup is not root -- rsync cannot chroot and every push would fail",
    fix: "set 'use chroot = no'"
  ) {
    withPushModule(&$0, healthyPush, global: [])
  },
  row(
    "push path missing", .fail, "rsyncd",
    "module 'push' path /backup/incoming does not exist -- every push would fail",
    fix: "mkdir /backup/incoming && chown backup /backup/incoming"
  ) { $0.files["/backup/incoming"] = .missing },
  row(
    "push path not writable", .fail, "rsyncd",
    "module 'push' path /backup/incoming is not writable by backup (owner root, mode 0755)",
    fix: "chown backup /backup/incoming"
  ) {
    $0.files["/backup/incoming"] = DoctorFile(.directory, mode: 0o755)
  },
  row(
    "no path", .fail, "rsyncd", "module 'push' has no path",
    fix: "set 'path = /backup/incoming' in [push]"
  ) {
    withPushModule(&$0, ["read only = no", "write only = yes"])
  },
  row(
    "a root daemon without uid", .fail, "rsyncd",
    "rsync runs as root and would use module 'push' as 'nobody' -- pushes would fail with 'Permission denied'",
    fix: "set 'uid = root' and 'gid = root'"
  ) {
    $0.account = rootAccount
    withPushModule(&$0, healthyPush, global: [])
  },
  row(
    "&include is not followed", .warn, "rsyncd",
    "/backup/rsyncd.conf:1: '&include /etc/rsyncd.d' is not followed; what it adds is not checked",
    fix: "check the included file by hand"
  ) {
    $0.rsyncdConf = .success("&include /etc/rsyncd.d\n" + doctorRsyncd)
  },
]

let doctorLoginCases: [DoctorCase] = [
  row(
    "unknown account", .fail, "account", "no account 'backup' in the password database",
    fix: "create it (useradd --system --create-home --shell /bin/sh backup), or pass --account"
  ) { $0.account = nil },
  row(
    "nologin shell", .fail, "shell",
    "backup's login shell is '/usr/sbin/nologin' -- sshd runs the forced command through it, so nothing would run",
    fix: "chsh -s /bin/sh backup"
  ) { $0.account?.shell = "/usr/sbin/nologin" },
  row(
    "a ~/.bashrc that prints", .fail, "shell",
    "'/bin/bash -c true' as backup prints 6 bytes ('hello', status 0) -- it would corrupt the rsync protocol",
    fix:
      "remove the output from ~backup's shell start-up files (~/.bashrc), or chsh -s /bin/sh backup"
  ) {
    $0.account?.shell = "/bin/bash"
    $0.shellRun = .ran(status: 0, stdout: "hello\n", stderr: "")
  },
  row(
    "a shell that fails", .fail, "shell", "'/bin/sh -c true' as backup exits 126: cannot execute",
    fix: "chsh -s /bin/sh backup"
  ) { $0.shellRun = .ran(status: 126, stdout: "", stderr: "cannot execute\n") },
  row(
    "shell not run", .warn, "shell",
    "login shell /bin/sh not run as backup: doctor runs as alice, neither root nor backup",
    fix: "run doctor as root"
  ) { $0.shellRun = .notRun("doctor runs as alice, neither root nor backup") },
  row(
    "key without restrict", .fail, "keys",
    "/home/backup/.ssh/authorized_keys:2 lacks 'restrict' -- the key may forward ports and get a pty",
    fix: "start the line with 'restrict,'"
  ) {
    $0.authorizedKeys = .success(doctorKeys.replacingOccurrences("restrict,", "no-pty,"))
  },
  row(
    "key without command", .fail, "keys",
    "/home/backup/.ssh/authorized_keys:1 has no command= -- that key gets a shell on the backup account",
    fix: "use the line 'pushgate init' prints"
  ) { $0.authorizedKeys = .success("ssh-ed25519 AAAAC3Nz laptop\n") },
  row(
    "key with another command", .warn, "keys",
    "/home/backup/.ssh/authorized_keys:1 runs '/usr/bin/rrsync /srv', not pushgate-serve",
    fix: "remove it if it is not meant to be there"
  ) {
    $0.authorizedKeys = .success(
      "restrict,command=\"/usr/bin/rrsync /srv\" ssh-ed25519 AAAAC3Nz laptop\n")
  },
  row(
    "key naming a missing pushgate-serve", .fail, "keys",
    "/home/backup/.ssh/authorized_keys:2 runs /usr/local/bin/pushgate-serve, which is not an executable file",
    fix: "install pushgate-serve there, or correct the path"
  ) { $0.files["/usr/local/bin/pushgate-serve"] = .missing },
  row(
    "key naming missing settings", .fail, "keys",
    "/home/backup/.ssh/authorized_keys:2 names settings /srv/pushgate.conf, which is not a regular file",
    fix: "correct --config in the line"
  ) {
    $0.authorizedKeys = .success(
      doctorKeys.replacingOccurrences("/backup/pushgate.conf", "/srv/pushgate.conf"))
  },
  row(
    "no authorized_keys", .warn, "keys",
    "cannot read /home/backup/.ssh/authorized_keys: No such file or directory -- no client can log in",
    fix: "add the line 'pushgate init' prints, with the client's key"
  ) {
    $0.authorizedKeys = .failure(DoctorReadError("No such file or directory"))
  },
  row(
    "sshd not checked", .warn, "sshd", "sshd settings not checked: 'sshd -T' needs root",
    fix: "run doctor as root on the ssh server"
  ) { $0.sshdRun = .notRun("'sshd -T' needs root") },
  row(
    "sshd -T fails", .warn, "sshd",
    "'/usr/sbin/sshd -T' exits 255: Missing privilege separation directory: /run/sshd; sshd settings not checked",
    fix: "run '/usr/sbin/sshd -t' and correct what it reports"
  ) {
    $0.sshdRun = .ran(
      status: 255, stdout: "", stderr: "Missing privilege separation directory: /run/sshd\n")
  },
  row(
    "ExposeAuthInfo off", .warn, "sshd",
    "ExposeAuthInfo is not on -- the audit log cannot name the key used",
    fix: "set 'ExposeAuthInfo yes' in sshd_config"
  ) {
    $0.sshdRun = .ran(
      status: 0, stdout: doctorSshd.replacingOccurrences("exposeauthinfo yes", "exposeauthinfo no"),
      stderr: "")
  },
  row(
    "AcceptEnv *", .fail, "sshd",
    "AcceptEnv * -- a client can make the login shell run its own code",
    fix: "accept only 'AcceptEnv LANG LC_*' in sshd_config"
  ) {
    $0.sshdRun = .ran(status: 0, stdout: doctorSshd + "acceptenv *\n", stderr: "")
  },
  row(
    "AcceptEnv of other names", .warn, "sshd",
    "AcceptEnv LANG LC_* TZ -- the login shell sees what clients send",
    fix: "accept only 'AcceptEnv LANG LC_*' in sshd_config"
  ) {
    $0.sshdRun = .ran(status: 0, stdout: doctorSshd + "acceptenv TZ\n", stderr: "")
  },
  row(
    "PermitUserEnvironment on", .fail, "sshd",
    "PermitUserEnvironment yes -- ~/.ssh/environment and environment= could set variables for the login shell",
    fix: "set 'PermitUserEnvironment no' in sshd_config"
  ) {
    $0.sshdRun = .ran(
      status: 0,
      stdout: doctorSshd.replacingOccurrences(
        "permituserenvironment no", "permituserenvironment yes"), stderr: "")
  },
]
