// What the lock file says right now: which slots are held, by whom, and whether a snapshot runs.

/// Who holds a lock, as its ``HolderRecord`` says. Every field is optional: a record can be
/// missing (the holder has not written it yet), stale bytes or garbage.
public struct Holder: Equatable, Sendable {
  /// The holder's process id.
  public var pid: Int?
  /// The key label.
  public var key: String?
  /// The client's address.
  public var peer: String?
  /// The client's port.
  public var port: Int?
  /// When the lock was taken, seconds since the epoch.
  public var since: Int?

  /// A holder with the given fields.
  public init(pid: Int? = nil, key: String? = nil, peer: String? = nil, port: Int? = nil, since: Int? = nil) {
    self.pid = pid
    self.key = key
    self.peer = peer
    self.port = port
    self.since = since
  }

  /// Parses a padded holder record; every field is `nil` when it is not a record at all.
  public init(record: [UInt8]) {
    guard let entry = AuditEntry(record) else {
      self.init()
      return
    }
    self.init(
      pid: entry.int("pid"), key: entry.key, peer: entry.string("peer"), port: entry.int("port"),
      since: entry.string("since").flatMap(Timestamp.parse))
  }
}

/// One connection slot.
public struct SlotState: Equatable, Sendable {
  /// The slot number, from 0.
  public var slot: Int
  /// Who holds it; `nil` when it is free.
  public var holder: Holder?

  /// A slot, free when `holder` is `nil`.
  public init(slot: Int, holder: Holder?) {
    self.slot = slot
    self.holder = holder
  }
}

/// Whether a snapshot is running.
public enum SnapshotState: Equatable, Sendable {
  /// Neither the gate nor the tree is held exclusively.
  case idle
  /// A snapshot holds the gate and waits for running pushes to finish.
  case waiting
  /// A snapshot holds the tree.
  case running(Holder)
}

/// The slots and the snapshot, read from the lock file.
public struct LockView: Equatable, Sendable {
  /// Every slot, `0..<max_connections`.
  public var slots: [SlotState]
  /// The snapshot.
  public var snapshot: SnapshotState

  /// A view of `slots` and `snapshot`.
  public init(slots: [SlotState], snapshot: SnapshotState) {
    self.slots = slots
    self.snapshot = snapshot
  }

  /// How many slots are held.
  public var slotsInUse: Int { slots.count { $0.holder != nil } }

  /// Whether a snapshot is running or waiting for the tree.
  public var isSnapshotRunning: Bool { snapshot != .idle }
}

/// What `pushgate status` knows about the locks.
public enum LockReport: Equatable, Sendable {
  /// No settings file was given with `--file`, so there is no lock file to look at.
  case notAsked
  /// The lock file could not be read; the text says why.
  case unreadable(String)
  /// The lock file was read.
  case read(LockView)
}
