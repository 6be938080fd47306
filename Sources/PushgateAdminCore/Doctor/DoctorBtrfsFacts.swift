// What doctor gathered about a btrfs backup root: the file system, its mount and, per area,
// incoming/ and the entries of snapshots/ as root opened them (never following a symlink).
import PushgateCore

/// An entry of an area's snapshots/, as opened below the directory without following anything.
public struct SnapshotEntry: Equatable, Sendable {
  /// What the entry is.
  public enum Kind: Equatable, Sendable {
    /// A btrfs subvolume with the read-only flag.
    case readOnly
    /// A btrfs subvolume without it: its owner can change what it holds.
    case writable
    /// A file, a symbolic link, or a directory that is not a subvolume.
    case notSubvolume
    /// It could not be opened or its flags read (the reason).
    case unknown(String)
  }

  /// The name, as readdir(3) gave it.
  public var name: [UInt8]
  /// What it is.
  public var kind: Kind

  /// An entry.
  public init(_ name: [UInt8], _ kind: Kind) {
    self.name = name
    self.kind = kind
  }

  /// The name's time when it is a well-formed snapshot name (``SnapshotName/parse(_:)``).
  public var time: Int? { SnapshotName.parse(name) }
}

/// Whether an area's incoming/ is a btrfs subvolume.
public enum DoctorSubvolume: Equatable, Sendable {
  /// It is one.
  case subvolume
  /// It is a directory, but not a subvolume.
  case plainDirectory
  /// It could not be opened as a directory (the reason).
  case unknown(String)
}

/// One area with the btrfs engine.
public struct DoctorBtrfsArea: Equatable, Sendable {
  /// incoming/.
  public var incoming: DoctorSubvolume
  /// The entries of snapshots/, or why it could not be listed.
  public var snapshots: Result<[SnapshotEntry], DoctorReadError>

  /// An area's facts.
  public init(
    incoming: DoctorSubvolume, snapshots: Result<[SnapshotEntry], DoctorReadError>
  ) {
    self.incoming = incoming
    self.snapshots = snapshots
  }
}

/// What doctor gathered with `snapshots = btrfs`.
public struct DoctorBtrfs: Equatable, Sendable {
  /// Whether ROOT is on btrfs (statfs(2)).
  public var isBtrfs: Bool
  /// The file system's name, such as `btrfs` or `ext2/ext3/ext4`.
  public var fileSystem: String
  /// The mount that holds ROOT, or why it was not found.
  public var mount: Result<MountEntry, DoctorReadError>
  /// Each area's facts, by label.
  public var areas: [String: DoctorBtrfsArea]
  /// The time the facts were gathered (seconds since the epoch), against which snapshot names
  /// dated in the future are found; `nil` skips that check.
  public var now: Int? = nil

  /// The facts.
  public init(
    isBtrfs: Bool, fileSystem: String, mount: Result<MountEntry, DoctorReadError>,
    areas: [String: DoctorBtrfsArea] = [:]
  ) {
    self.isBtrfs = isBtrfs
    self.fileSystem = fileSystem
    self.mount = mount
    self.areas = areas
  }
}
