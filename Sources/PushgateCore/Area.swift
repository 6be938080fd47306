// A key's own area: where its pushes land, its snapshot history and the gate's state for it.
//
// ROOT/keys/LABEL/incoming   the push module's path for this key (rsyncd.conf: %PUSHGATE_KEY%)
// ROOT/keys/LABEL/snapshots  its snapshot history (rsnapshot's snapshot_root; restores)
// ROOT/keys/LABEL/rsnapshot.conf  its own rsnapshot configuration, written by authorize
// ROOT/keys/LABEL/state/     lock, pending marker, time of the last snapshot, sync marker
//
// The label has passed Gate.isKeyLabel: one path component, never '.' or '..'.

/// The paths of one key's area.
public struct Area: Equatable, Sendable {
  /// The key label, as in `--key`.
  public let label: String
  /// `ROOT/keys/LABEL`.
  public let directory: String

  /// The area of `label` under `keysDirectory` (`ROOT/keys`).
  public init(keysDirectory: String, label: String) {
    self.label = label
    directory = keysDirectory + "/" + label
  }

  /// Where pushes land: the push module's path for this key.
  public var incoming: String { directory + "/incoming" }
  /// The snapshot history: rsnapshot's `snapshot_root` and the `snapshots` module's path.
  public var snapshots: String { directory + "/snapshots" }
  /// The area's rsnapshot configuration.
  public var rsnapshotConf: String { directory + "/rsnapshot.conf" }
  /// The gate's state for this area; only the backup account writes here.
  public var state: String { directory + "/state" }
  /// The area's lock file: one session or one snapshot at a time.
  public var lockFile: String { state + "/lock" }
  /// Exists while the area holds changes that no snapshot has taken yet.
  public var pendingFile: String { state + "/pending" }
  /// Holds the time of the area's last successful snapshot.
  public var snapshotTimeFile: String { state + "/last-snapshot" }
  /// Exists while snapshots/.sync holds a complete sync that no level has taken yet: removed
  /// before every sync, written after a sync that exited 0, removed once the level succeeded.
  public var syncedFile: String { state + "/synced" }
}

/// What the gate remembers about an area between sessions.
public struct AreaState: Equatable, Sendable {
  /// Whether changes arrived that no snapshot has taken yet.
  public enum Pending: String, Equatable, Sendable {
    /// Every change is in a snapshot.
    case none
    /// The area holds a whole pushed tree that is not in a snapshot yet.
    case complete
    /// A push that changed the area ended badly: its tree may be partial.
    case incomplete
  }

  /// Changes no snapshot has taken yet.
  public var pending: Pending
  /// The last successful snapshot, seconds since the epoch; `nil` if none is recorded.
  public var lastSnapshot: Int?

  /// Creates a state; the gate reads it from the area's state directory.
  public init(pending: Pending = .none, lastSnapshot: Int? = nil) {
    self.pending = pending
    self.lastSnapshot = lastSnapshot
  }

  /// The contents of the pending file.
  public static func pendingText(_ pending: Pending) -> [UInt8] {
    Array((pending.rawValue + "\n").utf8)
  }

  /// Reads the pending file: a missing file is `.none`; anything unreadable counts as
  /// `.incomplete`, the state that never snapshots a tree by itself.
  public static func parsePending(_ bytes: [UInt8]?) -> Pending {
    guard let bytes else { return .none }
    if bytes.elementsEqual(pendingText(.complete)) { return .complete }
    return .incomplete
  }

  /// The contents of the last-snapshot file for `time`: an ISO 8601 line.
  public static func snapshotTimeText(_ time: Int) -> [UInt8] {
    Array((Timestamp.iso8601(time) + "\n").utf8)
  }

  /// Reads the last-snapshot file; `nil` unless it is exactly one ISO 8601 line.
  public static func parseSnapshotTime(_ bytes: [UInt8]) -> Int? {
    guard bytes.count == 21, bytes.last == UInt8(ascii: "\n") else { return nil }
    return Timestamp.parse(String(decoding: bytes.dropLast(), as: UTF8.self))
  }
}
