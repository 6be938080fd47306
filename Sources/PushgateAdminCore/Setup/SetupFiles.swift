// The text of the files `pushgate init` writes (rsyncd.conf, pushgate.conf) and of the
// rsnapshot.conf `pushgate authorize` writes into each key's area.
//
// Each file explains itself in comments, because the administrator will open it before
// trusting it. The texts are fixed functions of the request: a rerun yields the same bytes.
import PushgateCore

extension SetupRequest {
  /// rsyncd.conf: a write-only `push` module and, with `restore`, a read-only `snapshots` module,
  /// both inside the connecting key's own area (`%PUSHGATE_KEY%`, which pushgate-serve sets from
  /// its `--key`).
  ///
  /// No hooks, no logging parameters, no `max connections`, no `lock file`: pushgate-serve sets or
  /// counts those itself.
  public var rsyncdConfText: String {
    let area = RsyncdPolicy.areaPath(settings)
    var lines = [
      "# rsyncd.conf for the backup root \(root), written by 'pushgate init'.",
      "# pushgate-serve starts rsync with --config=\(root)/rsyncd.conf and sets, with",
      "# --dparam, the pre-xfer hook, the transfer log and the timeout. A module must not set",
      "# 'pre-xfer exec', 'post-xfer exec', 'transfer logging', 'log file' or 'log format'",
      "# (a module's value wins over --dparam and would hide what rsync did), and every",
      "# module's path must stay inside \(area)/: pushgate-serve refuses to serve otherwise.",
      "# %PUSHGATE_KEY% is the key label pushgate-serve was started with (--key), so each key",
      "# reaches only its own area, \(root)/keys/LABEL.",
      "# No 'max connections' or 'lock file': pushgate-serve counts the connection slots.",
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
      "  comment = backups pushed by clients; a push that changes something is snapshotted",
      "  path = \(area)/incoming",
      "  read only = no",
      "  write only = yes",
      "  list = no",
      "  # Every pushed file stays readable by the backup account: a file a client made",
      "  # unreadable would fail every snapshot's sync (rsync 23).",
      "  incoming chmod = \(RsyncdPolicy.incomingChmod)",
    ]
    if restore {
      lines += [
        "",
        "[snapshots]",
        "  comment = this key's snapshots, read-only, for restores",
        "  path = \(area)/snapshots",
        "  read only = yes",
        "  list = no",
        "  # .sync is the next snapshot while rsnapshot builds it: never restore from it.",
        "  exclude = \(RsyncdPolicy.syncExclude)",
      ]
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// pushgate.conf: `root`, and every other setting with its default, commented out.
  ///
  /// A setting is set (uncommented) only where the request differs from the default, such as
  /// `retain` or `snapshots = btrfs`; with btrfs, rsnapshot's own settings are left out.
  public var pushgateConfText: String {
    var lines = [
      "# pushgate.conf for the backup root \(root), written by 'pushgate init'.",
      "# Lines are 'name = value'; '#' starts a comment. Every other setting is shown with",
      "# its default, commented out: remove the '#' and change the value to set it.",
      "root = \(root)",
    ]
    let rsnapshotOnly = settings.snapshots == .btrfs ? ["rsnapshot", "retain"] : []
    let rows = zip(
      SetupRequest.settingRows(Settings(root: root)), SetupRequest.settingRows(settings))
    for ((name, meaning, value), (_, _, wanted)) in rows where !rsnapshotOnly.contains(name) {
      lines += ["", "# \(meaning)", (wanted == value ? "# " : "") + "\(name) = \(wanted)"]
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// Every setting but `root`, in the manual's order, with its meaning and default value.
  static func settingRows(_ s: Settings) -> [(String, String, String)] {
    [
      ("rsync", "The rsync program, run by absolute path.", s.rsync),
      ("rsyncd_conf", "The rsync daemon's configuration, passed as --config=.", s.rsyncdConf),
      (
        "push_module",
        "The module whose changes are snapshotted; its path is each area's incoming/.",
        s.pushModule
      ),
      (
        "max_connections", "How many sessions may run at once (one per key at most).",
        String(s.maxConnections)
      ),
      (
        "slot_wait",
        "Seconds a session waits for its key's area and a free slot before it is refused.",
        String(s.slotWait)
      ),
      ("lock_file", "The lock file holding the connection slots.", s.lockFile),
      ("audit_log", "The audit log, one JSON object per line.", s.auditLog),
      (
        "io_timeout", "rsync's timeout in seconds for a silent client; 0 turns it off.",
        String(s.ioTimeout)
      ),
      ("rsnapshot", "The rsnapshot program, run for one area at a time.", s.rsnapshot),
      (
        "retain",
        "The rsnapshot levels of every area, lowest first; a changing push runs the first.",
        RetainLevel.text(s.retain)
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
      (
        "snapshot_min_interval",
        "After an area's snapshot, changes wait this long (such as 1h) before the next one.",
        AgeText.setting(s.snapshotMinInterval)
      ),
      (
        "snapshots",
        "How snapshots are taken: 'rsnapshot' (a hard-linked copy) or 'btrfs' (one ioctl).",
        s.snapshots.rawValue
      ),
      (
        "preserve",
        "btrfs: the first snapshot of each hour, day, week, month kept this many back (btrbk).",
        s.preserve.text
      ),
      (
        "preserve_min", "btrfs: every snapshot younger than this is kept (m = months).",
        s.preserveMin.text
      ),
    ]
  }
}

extension Settings {
  /// The area's rsnapshot.conf: fields separated by TABs, one backup point (the area's
  /// incoming/), a flat layout, sync_first, no lockfile (the area's lock keeps runs apart) and
  /// the root's levels.
  public func rsnapshotConfText(_ area: Area) -> String {
    let tab = "\t"
    let field = { (words: [String]) in words.joined(separator: tab) }
    var lines = [
      "# rsnapshot.conf of the key '\(area.label)' in \(root), written by 'pushgate authorize'.",
      "# rsnapshot needs a TAB between fields; check a change with",
      "# 'rsnapshot -c \(area.rsnapshotConf) configtest'.",
      "# A push that changes the area runs 'sync' and then the first level (\(interval));",
      "# cron runs 'pushgate rotate LEVEL' for every level, which takes the area's lock first.",
      field(["config_version", "1.2"]),
      field(["snapshot_root", area.snapshots + "/"]),
      "# authorize creates snapshot_root; if it is missing, the disk is not mounted.",
      field(["no_create_root", "1"]),
      field(["cmd_cp", "/bin/cp"]),
      field(["cmd_rm", "/bin/rm"]),
      field(["cmd_rsync", rsync]),
    ]
    lines += retain.map { field(["retain", $0.name, String($0.count)]) }
    lines += [
      field(["verbose", "2"]),
      field(["loglevel", "3"]),
      "# No lockfile: the area's lock (state/lock), held by the gate and 'pushgate rotate'",
      "# and inherited by rsnapshot, keeps runs apart; a pid file left by a killed run would",
      "# only fail the next one. Run the levels with 'pushgate rotate', never by hand.",
      "# Unchanged files become hard links to the previous snapshot (rsync --link-dest), and",
      "# the level is a rename of the finished .sync (never a copy).",
      field(["link_dest", "1"]),
      "# A snapshot is 'rsnapshot sync' into snapshot_root/.sync, then, only if it succeeded,",
      "# the first level: a sync cut short never enters the history. Keep it.",
      field(["sync_first", "1"]),
      "# The default rsync_long_args include --relative, which would nest every snapshot",
      "# under the full source path. --modify-window=-1 compares modification times to the",
      "# nanosecond: a file rewritten at the same size within the same second would otherwise",
      "# be hard-linked to its old content in the new snapshot.",
      field(["rsync_long_args", "--delete --numeric-ids --delete-excluded --modify-window=-1"]),
      "# Destination './': a snapshot holds the pushed tree itself, \(interval).0/<pushed files>,",
      "# exactly as incoming/ (and the 'snapshots' module) show it. Keep the one backup point.",
      field(["backup", area.incoming + "/", "./"]),
    ]
    return lines.joined(separator: "\n") + "\n"
  }
}
