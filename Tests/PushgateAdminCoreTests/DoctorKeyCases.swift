// Rows for DoctorCheckTests: authorized_keys, each pushgate line's --key and its area.
import PushgateAdminCore

private func row(
  _ name: String, _ level: DoctorLevel, _ check: String, _ found: String, fix: String = "",
  _ change: @escaping @Sendable (inout DoctorFacts) -> Void
) -> DoctorCase {
  DoctorCase(name: name, change: change, expected: DoctorResult(level, check, found, fix: fix))
}

private let keys = "/home/backup/.ssh/authorized_keys"
private let laptopLine = "--config /backup/pushgate.conf --key laptop"

/// The healthy authorized_keys with laptop's command words replaced by `words`.
private func laptopCommand(_ facts: inout DoctorFacts, _ words: String) {
  facts.authorizedKeys = .success(doctorKeys.replacingOccurrences(laptopLine, words))
}

let doctorKeyCases: [DoctorCase] = [
  row(
    "key without restrict", .fail, "keys",
    "\(keys):2 lacks 'restrict' -- the key may forward ports and get a pty",
    fix: "start the line with 'restrict,'"
  ) {
    $0.authorizedKeys = .success(doctorKeys.replacingOccurrences("restrict,", "no-pty,"))
  },
  row(
    "key without command", .fail, "keys",
    "\(keys):1 has no command= -- that key gets a shell on the backup account",
    fix: "add the key with 'pushgate authorize' instead"
  ) { $0.authorizedKeys = .success("ssh-ed25519 AAAAC3Nz laptop\n") },
  row(
    "key with another command", .warn, "keys",
    "\(keys):1 runs '/usr/bin/rrsync /srv', not pushgate-serve",
    fix: "remove it if it is not meant to be there"
  ) {
    $0.authorizedKeys = .success(
      "restrict,command=\"/usr/bin/rrsync /srv\" ssh-ed25519 AAAAC3Nz laptop\n" + doctorKeys)
  },
  row(
    "key naming a missing pushgate-serve", .fail, "keys",
    "\(keys):2 runs /usr/local/bin/pushgate-serve, which is not an executable file",
    fix: "install pushgate-serve there, or correct the path"
  ) { $0.files["/usr/local/bin/pushgate-serve"] = .missing },
  row(
    "key naming missing settings", .fail, "keys",
    "\(keys):2 names settings /srv/pushgate.conf, which is not a regular file",
    fix: "correct --config in the line"
  ) { laptopCommand(&$0, "--config /srv/pushgate.conf --key laptop") },
  row(
    "no authorized_keys", .warn, "keys",
    "cannot read \(keys): No such file or directory -- no client can log in",
    fix: "add a client's key with 'pushgate authorize'"
  ) {
    $0.authorizedKeys = .failure(DoctorReadError("No such file or directory", isMissing: true))
  },
  row(
    "authorized_keys a symbolic link the account made", .warn, "keys",
    "\(keys) not checked: a symbolic link, which doctor does not follow",
    fix: "make it a regular file the account or root owns (sshd's StrictModes wants that too)"
  ) {
    $0.authorizedKeys = .failure(DoctorReadError("a symbolic link, which doctor does not follow"))
  },
  row(
    "key without --key", .fail, "keys",
    "\(keys):2 has no --key -- pushgate-serve refuses every session of this key (key-missing)",
    fix:
      "add '--key LABEL' to its command and create the area: pushgate authorize --config /backup/pushgate.conf --account backup --key LABEL --replace CLIENT-KEY.pub"
  ) { laptopCommand(&$0, "--config /backup/pushgate.conf") },
  row(
    "a --key that is not a label", .fail, "keys",
    "\(keys):2 has --key '.hidden', which is not a key label -- pushgate-serve stops with a usage error",
    fix: "use 1-64 letters, digits or . _ - @ +, starting with a letter or digit"
  ) { laptopCommand(&$0, "--config /backup/pushgate.conf --key .hidden") },
  row(
    "a word pushgate-serve does not take", .fail, "keys",
    "\(keys):2 passes '--verbose' to pushgate-serve, which stops with a usage error -- no session of this key would run",
    fix: "remove it: pushgate-serve takes only --config and --key"
  ) { laptopCommand(&$0, laptopLine + " --verbose") },
  row(
    "a key whose area is missing", .fail, "keys",
    "\(keys):2: key 'laptop' has no area /backup/keys/laptop -- pushgate-serve refuses its sessions (no-area)",
    fix:
      "pushgate authorize --config /backup/pushgate.conf --account backup --key laptop --replace CLIENT-KEY.pub"
  ) {
    $0.keysEntries = .success(["server"])
    $0.files["/backup/keys/laptop"] = .missing
  },
  row(
    "a key whose area is a symlink, with keys elsewhere", .fail, "keys",
    "/etc/ssh/keys/backup:2: key 'laptop' has no area: /backup/keys/laptop is a symbolic link -- pushgate-serve refuses its sessions (no-area)",
    fix:
      "rm /backup/keys/laptop, then pushgate authorize --config /backup/pushgate.conf --account backup --authorized-keys /etc/ssh/keys/backup --key laptop --replace CLIENT-KEY.pub"
  ) {
    $0.authorizedKeysPath = "/etc/ssh/keys/backup"
    $0.files["/backup/keys/laptop"] = DoctorFile(.symlink, mode: 0o777)
  },
  row(
    "two keys with one label", .warn, "keys",
    "\(keys):3 uses the label 'server' of line 2 too -- both keys push into one area, one at a time",
    fix: "give each client key its own label"
  ) { laptopCommand(&$0, "--config /backup/pushgate.conf --key server") },
  row(
    "an area without a key line", .warn, "keys",
    "area server has no key line in \(keys) -- no client can push to it",
    fix:
      "pushgate authorize --config /backup/pushgate.conf --account backup --key LABEL CLIENT-KEY.pub, or move the area out of /backup/keys once its snapshots are not needed"
  ) {
    $0.authorizedKeys = .success(
      doctorKeys.split(separator: "\n").filter { !$0.contains("server") }.joined(separator: "\n"))
  },
  row(
    "areas whose lines belong to other settings", .warn, "keys",
    "areas laptop, server have no key line in \(keys) -- no client can push to them",
    fix:
      "pushgate authorize --config /backup/pushgate.conf --account backup --key LABEL CLIENT-KEY.pub, or move the area out of /backup/keys once its snapshots are not needed"
  ) {
    $0.authorizedKeys = .success(
      doctorKeys.replacingOccurrences("/backup/pushgate.conf", "/srv/pushgate.conf"))
    $0.files["/srv/pushgate.conf"] = DoctorFile(.regular, mode: 0o644)
  },
]
