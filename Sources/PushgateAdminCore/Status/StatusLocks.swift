// What the lock files say right now: which slots of the root are held and by whom, and
// whether a session or a snapshot holds each key's area.
import PushgateCore

/// Who holds a lock, as its ``HolderRecord`` says.
///
/// Every field is optional: a record can be missing (the holder has not written it yet), stale
/// bytes or garbage.
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
  public init(
    pid: Int? = nil, key: String? = nil, peer: String? = nil, port: Int? = nil, since: Int? = nil
  ) {
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

/// The connection slots, read from the root's lock file.
public struct LockView: Equatable, Sendable {
  /// Every slot, `0..<max_connections`.
  public var slots: [SlotState]

  /// A view of `slots`.
  public init(slots: [SlotState]) {
    self.slots = slots
  }

  /// How many slots are held.
  public var slotsInUse: Int { slots.count { $0.holder != nil } }
}

/// What holds a key's area now, from its lock file (byte 0: a session or a snapshot holds the
/// area; byte 1: a snapshot or a rotation runs).
public enum AreaActivity: Equatable, Sendable {
  /// Nothing holds the area (or its lock file does not exist yet).
  case idle
  /// A session holds the area: a push, a restore, a listing.
  case session
  /// A snapshot of the area, or `pushgate rotate`, runs.
  case snapshot
  /// The lock file could not be read (the state directory is the backup account's, mode
  /// 0700).
  case unknown
}
