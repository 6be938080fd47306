// Rows for DoctorCheckTests: rsyncd.conf, the account's shell, sshd and authorized_keys.
import PushgateAdminCore

private func row(
  _ name: String, _ level: DoctorLevel, _ check: String, _ found: String, fix: String = "",
  _ change: @escaping @Sendable (inout DoctorFacts) -> Void
) -> DoctorCase {
  DoctorCase(name: name, change: change, expected: DoctorResult(level, check, found, fix: fix))
}

private let rootAccount = DoctorAccount(
  name: "root", uid: 0, gid: 0, groups: [0], home: "/root", shell: "/bin/sh")
private let maxFix = "remove 'max connections' and set max_connections in /backup/pushgate.conf"
private let policyFix =
  "correct /backup/rsyncd.conf; until then pushgate-serve refuses every session (rsyncd-conf)"
private let global = ["use chroot = no"]

/// A policy row: `lines` make rsyncd.conf, `found` is RsyncdPolicy's line.
private func policy(_ name: String, _ found: String, _ lines: [String]) -> DoctorCase {
  row(name, .fail, "rsyncd", found, fix: policyFix) { withRsyncd(&$0, lines) }
}

private func hides(_ parameter: String, line: Int) -> String {
  "/backup/rsyncd.conf:\(line): module 'push' sets '\(parameter)', which would hide what rsync did from pushgate-serve; remove it"
}

let doctorRsyncdCases: [DoctorCase] = [
  row(
    "rsyncd.conf unreadable", .fail, "rsyncd",
    "cannot read /backup/rsyncd.conf: Permission denied -- every session would fail",
    fix: "run 'pushgate init /backup', or set rsyncd_conf"
  ) { $0.rsyncdConf = .failure(DoctorReadError("Permission denied")) },
  row(
    "rsyncd.conf a symlink", .fail, "rsyncd",
    "/backup/rsyncd.conf is a symbolic link -- pushgate-serve refuses it, so every session fails",
    fix: "put the real file at /backup/rsyncd.conf"
  ) { $0.files["/backup/rsyncd.conf"] = DoctorFile(.symlink, mode: 0o777) },
  row(
    "rsyncd.conf owned by someone else", .fail, "rsyncd",
    "/backup/rsyncd.conf is owned by mallory -- pushgate-serve refuses it, so every session fails",
    fix: "chown root:root /backup/rsyncd.conf"
  ) {
    $0.files["/backup/rsyncd.conf"] = DoctorFile(.regular, uid: 1001, mode: 0o644, owner: "mallory")
  },
  row(
    "rsyncd.conf writable by others", .fail, "rsyncd",
    "/backup/rsyncd.conf has mode 0666 -- pushgate-serve refuses it, so every session fails",
    fix: "chmod go-w /backup/rsyncd.conf"
  ) { $0.files["/backup/rsyncd.conf"] = DoctorFile(.regular, mode: 0o666) },
  row(
    "rsyncd.conf writable by its group", .warn, "rsyncd",
    "/backup/rsyncd.conf has mode 0664 -- its group can change what clients may do",
    fix: "chmod g-w /backup/rsyncd.conf"
  ) { $0.files["/backup/rsyncd.conf"] = DoctorFile(.regular, mode: 0o664) },
  row(
    "rsyncd.conf owned by the account in a root of root's", .fail, "rsyncd",
    "/backup/rsyncd.conf is owned by backup -- the backup account could change what its clients may do",
    fix: "chown root:root /backup/rsyncd.conf"
  ) {
    $0.files["/backup/rsyncd.conf"] = DoctorFile(.regular, uid: 1000, mode: 0o644, owner: "backup")
  },
  row(
    "rsyncd.conf owned by the account in its own root", .warn, "rsyncd",
    "/backup/rsyncd.conf is owned by backup -- the backup account could change what its clients may do",
    fix: "chown root:root /backup/rsyncd.conf"
  ) {
    $0.files["/backup/rsyncd.conf"] = DoctorFile(.regular, uid: 1000, mode: 0o644, owner: "backup")
    $0.files["/backup"] = DoctorFile(.directory, uid: 1000, mode: 0o750, owner: "backup")
    $0.userId = 1000  // doctor run as the account that made the root
    $0.userName = "backup"
  },
  policy(
    "module 'transfer logging = no'", hides("transfer logging", line: 7),
    global + healthyPush + ["transfer logging = no"]),
  policy(
    "module 'log file'", hides("log file", line: 7),
    global + healthyPush + ["log file = /var/log/rsync-push.log"]),
  policy(
    "module 'log format'", hides("log format", line: 7),
    global + healthyPush + ["log format = %f"]),
  policy(
    "module pre-xfer exec", hides("pre-xfer exec", line: 7),
    global + healthyPush + ["pre-xfer exec = /bin/true"]),
  policy(
    "module post-xfer exec, spelled with capitals and blanks", hides("post-xfer exec", line: 7),
    global + healthyPush + ["Post-Xfer  EXEC = /bin/true"]),
  policy(
    "&include",
    "/backup/rsyncd.conf:1: '&include /etc/rsyncd.d' is not allowed: what it adds cannot be checked",
    ["&include /etc/rsyncd.d"] + global + healthyPush),
  policy(
    "no push module", "/backup/rsyncd.conf has no [push] module",
    global + ["[Push]", "path = /backup/keys/%PUSHGATE_KEY%/incoming"]),
  policy(
    "the push module outside the areas",
    "/backup/rsyncd.conf: module 'push' must have 'path = /backup/keys/%PUSHGATE_KEY%/incoming', not '/backup/incoming'",
    global + ["[push]", "path = /backup/incoming", "read only = no", "write only = yes"]),
  policy(
    "a push module without incoming chmod (from before sync-first)",
    "/backup/rsyncd.conf: module 'push' must end its 'incoming chmod' with 'Du+rwx,Fu+rw': a pushed file the backup account cannot read fails every snapshot",
    global + [
      "[push]", "path = /backup/keys/%PUSHGATE_KEY%/incoming", "read only = no", "write only = yes",
    ]),
  policy(
    "a snapshots module without the .sync exclude (from before sync-first)",
    "/backup/rsyncd.conf: module 'snapshots' must have 'exclude = /.sync/': a client must never restore the half-made next snapshot",
    global + healthyPush + [
      "[snapshots]", "path = /backup/keys/%PUSHGATE_KEY%/snapshots", "read only = yes",
    ]),
  policy(
    "another module outside the areas",
    "/backup/rsyncd.conf: module 'etc' has 'path = /etc', outside /backup/keys/%PUSHGATE_KEY%/: every module must stay inside the key's own area",
    global + healthyPush + ["[etc]", "path = /etc", "read only = yes"]),
  row(
    "an underscore in a name, which rsync ignores", .warn, "rsyncd",
    "/backup/rsyncd.conf:5: rsync ignores 'write_only' (it does not read '_' as a space)",
    fix: "write 'write only'"
  ) {
    withRsyncd(
      &$0,
      global + [
        "[push]", "path = /backup/keys/%PUSHGATE_KEY%/incoming", "read only = no",
        "write_only = yes", "incoming chmod = Du+rwx,Fu+rw",
      ])
  },
  row(
    "global log file, replaced by the gate", .warn, "rsyncd",
    "/backup/rsyncd.conf:2: the global section sets 'log file'; pushgate-serve replaces it with --dparam, so it has no effect",
    fix: "remove it"
  ) { withRsyncd(&$0, global + ["log file = /var/log/rsyncd.log"] + healthyPush) },
  row(
    "read only by default", .fail, "rsyncd", "module 'push' is read only -- every push would fail",
    fix: "set 'read only = no' in [push]"
  ) {
    withRsyncd(
      &$0, global + ["[push]", "path = /backup/keys/%PUSHGATE_KEY%/incoming", "write only = yes"])
  },
  row(
    "not write-only", .warn, "rsyncd",
    "module 'push' is not write-only -- clients can download what was pushed",
    fix: "set 'write only = yes' in [push]"
  ) {
    withRsyncd(
      &$0,
      global + [
        "[push]", "path = /backup/keys/%PUSHGATE_KEY%/incoming", "read only = no",
        "incoming chmod = Du+rwx,Fu+rw",
      ])
  },
  row(
    "a writable snapshots module", .fail, "rsyncd",
    "/backup/rsyncd.conf: module 'snapshots' is writable: only 'push' may be; set 'read only = yes'",
    fix:
      "correct /backup/rsyncd.conf; until then pushgate-serve refuses every session (rsyncd-conf)"
  ) {
    withRsyncd(
      &$0,
      global + healthyPush + [
        "[snapshots]", "path = /backup/keys/%PUSHGATE_KEY%/snapshots", "read only = no",
      ])
  },
  row(
    "max connections on our lock file", .fail, "rsyncd",
    "module 'push' sets 'max connections' on pushgate's lock file /backup/pushgate.lock -- its locks would conflict with pushgate's slots",
    fix: maxFix
  ) {
    withRsyncd(
      &$0, global + ["lock file = /backup/pushgate.lock"] + healthyPush + ["max connections = 2"])
  },
  row(
    "max connections on a lock file the account cannot open", .fail, "rsyncd",
    "module 'push' sets 'max connections' with lock file /var/run/rsyncd.lock, which backup cannot open -- every session to it would fail",
    fix: maxFix
  ) { withRsyncd(&$0, global + healthyPush + ["max connections = 2"]) },
  row(
    "max connections elsewhere", .warn, "rsyncd",
    "module 'push' sets 'max connections = 2' -- rsync counts connections too",
    fix: "remove it and set max_connections in /backup/pushgate.conf"
  ) {
    withRsyncd(
      &$0, global + healthyPush + ["max connections = 2", "lock file = /backup/rsyncd.lock"])
  },
  row(
    "use chroot for a non-root account", .fail, "rsyncd",
    "'use chroot' is on for modules 'push', 'snapshots' but backup is not root -- rsync cannot chroot and every session would fail",
    fix: "set 'use chroot = no'"
  ) {
    $0.rsyncdConf = .success(
      doctorRsyncd.replacingOccurrences("use chroot = no", "use chroot = yes"))
  },
  row(
    "a root daemon without uid", .fail, "rsyncd",
    "rsync runs as root and would use module 'push' as 'nobody' -- sessions would fail with 'Permission denied'",
    fix: "set 'uid = root' and 'gid = root'"
  ) {
    $0.account = rootAccount
    withRsyncd(&$0, healthyPush)
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
  row(
    "a locked password with UsePAM no", .fail, "sshd",
    "backup's password is locked ('!' in /etc/shadow) and UsePAM is no -- sshd refuses every key of the account",
    fix: "usermod -p '*' backup"
  ) {
    $0.passwordLocked = true
    $0.sshdRun = .ran(status: 0, stdout: doctorSshd + "usepam no\n", stderr: "")
  },
  row(
    "an account from another NSS source than /etc/passwd", .warn, "account",
    "backup is not in /etc/passwd (it comes from another NSS source) -- pushgate-serve reads only /etc/passwd: it serves, but logs 'uid1000' and gives rsync HOME=/",
    fix:
      "use a local account: useradd --system --create-home --shell /bin/sh NAME, then pushgate init --account NAME"
  ) { $0.accountIsLocal = false },
  row(
    "a local account", .ok, "account",
    "backup is in /etc/passwd: the static pushgate-serve finds it without NSS modules"
  ) { $0.accountIsLocal = true },
  row(
    "ExposeAuthInfo missing: the exact line to add", .warn, "sshd",
    "ExposeAuthInfo is not on -- the audit log cannot name the key used",
    fix: "set 'ExposeAuthInfo yes' in sshd_config"
  ) {
    $0.sshdRun = .ran(
      status: 0, stdout: doctorSshd.replacingOccurrences("exposeauthinfo yes\n", ""), stderr: "")
  },
]
