// The settings of one backup root, as read from pushgate.conf.

/// When the client is released after a successful push.
public enum SnapshotMode: String, Equatable, Sendable {
  /// The client waits and sees the snapshot result.
  case wait
  /// The client is released when rsync ends; a detached process takes the snapshot.
  case detach
}

/// The validated settings of one backup root. See pushgate.conf(5).
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
  /// The snapshot command's argv; the first word is an absolute path.
  public var snapshot: [String]
  /// rsync statuses that count as a successful transfer.
  public var snapshotOn: [Int32]
  /// Whether the client waits for the snapshot.
  public var snapshotMode: SnapshotMode
  /// Seconds before a running snapshot is killed.
  public var snapshotTimeout: Int

  /// Settings with every default applied for `root`.
  public init(root: String) {
    self.root = root
    rsync = "/usr/bin/rsync"
    rsyncdConf = root + "/rsyncd.conf"
    pushModule = "push"
    maxConnections = 1
    slotWait = 0
    lockFile = root + "/pushgate.lock"
    auditLog = root + "/pushgate.log"
    ioTimeout = 600
    snapshot = ["/usr/bin/rsnapshot", "-c", root + "/rsnapshot.conf", "hourly"]
    snapshotOn = [0]
    snapshotMode = .wait
    snapshotTimeout = 3600
  }

  /// The command a client of this root may run.
  public var allowedCommand: AllowedCommand { AllowedCommand(root: root) }

  /// Directory holding per-session evidence files written by the rsync hooks.
  public var evidenceDirectory: String { root + "/.pushgate" }
}
