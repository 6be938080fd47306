// The settings of one backup root, as read from pushgate.conf.

/// When the client is released after a successful push.
public enum SnapshotMode: String, CaseIterable, Equatable, Sendable {
  /// The client waits and sees the snapshot result.
  case wait
  /// The client is released when rsync ends; a detached process takes the snapshot.
  case detach
}

/// How an area's snapshots are taken.
public enum SnapshotEngine: String, CaseIterable, Equatable, Sendable {
  /// `rsnapshot sync`, then the lowest level: a hard-linked copy of incoming/ per snapshot.
  case rsnapshot
  /// A read-only btrfs snapshot of the incoming/ subvolume, named by its UTC time: one ioctl.
  case btrfs
}

/// The validated settings of one backup root.
///
/// See pushgate.conf(5).
public struct Settings: Equatable, Sendable {
  /// Absolute path of the backup root; the allowed command is `cd <root> && rsync ...`.
  public var root: String
  /// Absolute path of the rsync program.
  public var rsync: String
  /// rsyncd.conf passed as `--config=`.
  public var rsyncdConf: String
  /// The module whose successful writes trigger a snapshot.
  public var pushModule: String
  /// Number of connection slots.
  public var maxConnections: Int
  /// Seconds to wait for a free slot (or the end of a snapshot) before refusing.
  public var slotWait: Int
  /// The lock file holding the slot and tree locks.
  public var lockFile: String
  /// The audit log (JSON Lines).
  public var auditLog: String
  /// rsync's daemon `timeout` in seconds; 0 turns it off.
  public var ioTimeout: Int
  /// Absolute path of the rsnapshot program, run once per snapshot of an area.
  public var rsnapshot: String
  /// The rsnapshot levels of every area, lowest first; pushes trigger the first.
  public var retain: [RetainLevel]
  /// rsync statuses that count as a successful transfer.
  public var snapshotOn: [Int32]
  /// Whether the client waits for the snapshot.
  public var snapshotMode: SnapshotMode
  /// Seconds before a running snapshot is killed.
  public var snapshotTimeout: Int
  /// Seconds after an area's last snapshot during which a changing push leaves the area
  /// pending instead of snapshotting it; 0 snapshots every change at once.
  public var snapshotMinInterval: Int
  /// How each area's snapshots are taken.
  public var snapshots: SnapshotEngine
  /// With btrfs: which snapshots root's `pushgate rotate` keeps per period (btrbk's form).
  public var preserve: Preserve
  /// With btrfs: how long every snapshot is kept, whatever `preserve` says.
  public var preserveMin: PreserveMin

  /// Settings with every default applied for `root`.
  public init(root: String) {
    self.root = root
    rsync = "/usr/bin/rsync"
    rsyncdConf = root + "/rsyncd.conf"
    pushModule = "push"
    maxConnections = 8
    slotWait = 0
    lockFile = root + "/pushgate.lock"
    auditLog = root + "/pushgate.log"
    ioTimeout = 600
    rsnapshot = "/usr/bin/rsnapshot"
    retain = RetainLevel.defaults
    snapshotOn = [0]
    snapshotMode = .wait
    snapshotTimeout = 3600
    snapshotMinInterval = 0
    snapshots = .rsnapshot
    preserve = .defaults
    preserveMin = .defaults
  }

  /// The command a client of this root may run.
  public var allowedCommand: AllowedCommand { AllowedCommand(root: root) }

  /// Directory holding per-session evidence files written by the rsync hook and rsync's
  /// transfer log.
  public var evidenceDirectory: String { root + "/.pushgate" }

  /// The slot holders published for monitoring, beside the lock file: `lock_file` with a final
  /// `.lock` replaced by `.holders` (or `.holders` added), such as `ROOT/pushgate.holders`.
  ///
  /// The lock file itself stays the account's alone; see docs/design.md.
  public var holdersFile: String {
    (lockFile.hasSuffix(".lock") ? String(lockFile.dropLast(5)) : lockFile) + ".holders"
  }

  /// Directory holding one area per key label.
  public var keysDirectory: String { root + "/keys" }

  /// The level each push that changed its area triggers.
  public var interval: String { retain[0].name }

  /// The area of key `label` (a label accepted by ``Gate/isKeyLabel(_:)``).
  public func area(_ label: String) -> Area { Area(keysDirectory: keysDirectory, label: label) }

  /// The rsnapshot command that runs `level` for `area`.
  public func rsnapshotCommand(_ area: Area, level: String) -> [String] {
    [rsnapshot, "-c", area.rsnapshotConf, level]
  }

  /// The argv that builds the area's next snapshot in snapshot_root/.sync (`sync_first`); the
  /// lowest level runs only after it exited 0.
  public func rsnapshotSyncCommand(_ area: Area) -> [String] {
    [rsnapshot, "-c", area.rsnapshotConf, "sync"]
  }
}
