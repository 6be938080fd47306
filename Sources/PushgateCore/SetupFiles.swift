// The text of the three files `pushgate init` writes: rsyncd.conf, rsnapshot.conf, pushgate.conf.
//
// Each file explains itself in comments, because the administrator will open it before
// trusting it. The texts are fixed functions of the request: a rerun yields the same bytes.

extension SetupRequest {
  /// rsyncd.conf: a write-only `push` module on `incoming/`, and with `restore` a read-only
  /// `snapshots` module. No hooks, no `max connections`, no `lock file`, no `log file`.
  public var rsyncdConfText: String {
    var lines = [
      "# rsyncd.conf for the backup root \(root), written by 'pushgate init'.",
      "# pushgate-serve starts rsync with --config=\(root)/rsyncd.conf and adds the",
      "# pre-xfer and post-xfer hooks and the timeout with --dparam.",
      "# Keep those out of this file: a value set inside a module wins over --dparam, so a",
      "# module-level 'pre-xfer exec' or 'post-xfer exec' turns the snapshots off.",
      "# No 'max connections' or 'lock file': pushgate-serve counts the connection slots.",
      "# No 'log file': the daemon logs to syslog; pushgate-serve keeps the audit log.",
    ]
    if account.isRoot {
      lines += [
        "# The daemon runs as root. Without uid and gid it would use the modules as 'nobody'",
        "# and every push would fail with 'mkstemp ... Permission denied'.",
        "uid = root",
        "gid = root",
      ]
    } else {
      lines += [
        "# The daemon runs as '\(account.name)', which can neither chroot nor switch users.",
        "# Without chroot rsync stores symlinks with a '/rsyncd-munged/' prefix so that they",
        "# cannot lead outside the module; a restore through rsync removes the prefix again.",
        "use chroot = no",
      ]
    }
    lines += [
      "",
      "[push]",
      "  comment = backups pushed by clients; each successful push is snapshotted",
      "  path = \(root)/incoming",
      "  read only = no",
      "  write only = yes",
      "  list = no",
    ]
    if restore {
      lines += [
        "",
        "[snapshots]",
        "  comment = snapshots, read-only, for restores",
        "  path = \(root)/snapshots",
        "  read only = yes",
        "  list = no",
      ]
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// rsnapshot.conf: fields separated by TABs, one backup point `incoming/`, a flat layout.
  public var rsnapshotConfText: String {
    let tab = "\t"
    let field = { (words: [String]) in words.joined(separator: tab) }
    var lines = [
      "# rsnapshot.conf for the backup root \(root), written by 'pushgate init'.",
      "# rsnapshot needs a TAB between fields; check a change with",
      "# 'rsnapshot -c \(rsnapshotConf) configtest'.",
      "# Each successful push runs the first level (\(interval)); cron runs the higher ones.",
      field(["config_version", "1.2"]),
      field(["snapshot_root", root + "/snapshots/"]),
      "# pushgate init creates snapshot_root; if it is missing, the disk is not mounted.",
      field(["no_create_root", "1"]),
      field(["cmd_cp", "/bin/cp"]),
      field(["cmd_rm", "/bin/rm"]),
      field(["cmd_rsync", Settings(root: root).rsync]),
    ]
    lines += levels.map { field(["retain", $0.name, String($0.count)]) }
    lines += [
      field(["verbose", "2"]),
      field(["loglevel", "3"]),
      field(["lockfile", root + "/rsnapshot.pid"]),
      "# Unchanged files become hard links to the previous snapshot (rsync --link-dest).",
      field(["link_dest", "1"]),
      "# The default rsync_long_args include --relative, which would nest every snapshot",
      "# under the full source path (\(interval).0/\(root.dropFirst())/incoming/...).",
      field(["rsync_long_args", "--delete --numeric-ids --delete-excluded"]),
      "# Destination './': a snapshot holds the pushed tree itself, \(interval).0/<pushed files>,",
      "# exactly as incoming/ (and the 'snapshots' module) show it. Keep the one backup point.",
      field(["backup", root + "/incoming/", "./"]),
    ]
    return lines.joined(separator: "\n") + "\n"
  }

  /// pushgate.conf: `root`, and every other setting with its default, commented out.
  ///
  /// `snapshot` is set only when the interval is not the default `hourly`.
  public var pushgateConfText: String {
    var lines = [
      "# pushgate.conf for the backup root \(root), written by 'pushgate init'.",
      "# Lines are 'name = value'; '#' starts a comment. Every other setting is shown with",
      "# its default, commented out: remove the '#' and change the value to set it.",
      "root = \(root)",
    ]
    let defaults = Settings(root: root)
    for (name, meaning, value) in SetupRequest.settingRows(defaults) {
      let wanted = name == "snapshot" ? settings.snapshot.joined(separator: " ") : value
      lines += ["", "# \(meaning)", (wanted == value ? "# " : "") + "\(name) = \(wanted)"]
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// Every setting but `root`, in the manual's order, with its meaning and default value.
  static func settingRows(_ s: Settings) -> [(String, String, String)] {
    [
      ("rsync", "The rsync program, run by absolute path.", s.rsync),
      ("rsyncd_conf", "The rsync daemon's configuration, passed as --config=.", s.rsyncdConf),
      ("push_module", "The module whose successful pushes are snapshotted.", s.pushModule),
      ("max_connections", "How many sessions may run at once.", String(s.maxConnections)),
      (
        "slot_wait", "Seconds a session waits for a free slot before it is refused.",
        String(s.slotWait)
      ),
      ("lock_file", "The lock file holding the connection slots.", s.lockFile),
      ("audit_log", "The audit log, one JSON object per line.", s.auditLog),
      (
        "io_timeout", "rsync's timeout in seconds for a silent client; 0 turns it off.",
        String(s.ioTimeout)
      ),
      (
        "snapshot", "The snapshot command, run without a shell after a successful push.",
        s.snapshot.joined(separator: " ")
      ),
      (
        "snapshot_on", "rsync exit statuses after which a snapshot is taken, such as '0 24'.",
        s.snapshotOn.map(String.init).joined(separator: " ")
      ),
      (
        "snapshot_mode",
        "'wait': the client waits for the snapshot; 'detach': it is released when rsync ends.",
        s.snapshotMode.rawValue
      ),
      (
        "snapshot_timeout", "Seconds before a running snapshot is stopped.",
        String(s.snapshotTimeout)
      ),
    ]
  }
}
