// The steps of `pushgate init` as data: which directories and files, with which owner, mode
// and content. The runner in the admin tool compares each step with the disk and applies it.
//
// Ownership, when init runs as root for another account: the account owns the data
// (each area's incoming/, snapshots/ and state/) and root owns the config files, so that the account cannot
// change its own policy. The root directory is root's too, group-writable for the account
// and sticky (1770): the account can create its lock, log, evidence and rsnapshot pid files
// there, but cannot delete or rename root's files. A root directory owned by the account
// would let it replace pushgate.conf with a file of its own, which pushgate-serve accepts.
import PushgateCore

/// The owner a step gives its path.
public struct SetupOwner: Equatable, Sendable, CustomStringConvertible {
  /// Numeric user id.
  public let uid: UInt32
  /// Numeric group id.
  public let gid: UInt32
  /// `user:group`, for messages.
  public let description: String

  /// Creates an owner.
  public init(uid: UInt32, gid: UInt32, description: String) {
    self.uid = uid
    self.gid = gid
    self.description = description
  }

  /// root:root.
  public static let root = SetupOwner(uid: 0, gid: 0, description: "root:root")
}

/// One idempotent step: a directory or a file that must exist as described.
public struct SetupStep: Equatable, Sendable {
  /// What the path must be.
  public enum Kind: Equatable, Sendable {
    /// A directory. With `followsPushes`, only its existence is checked once it exists:
    /// every push gives it the mode (and, as root, the owner) of the client's source
    /// directory, so comparing them would report a change after each push.
    case directory(followsPushes: Bool)
    /// A btrfs subvolume (the btrfs engine's incoming/), which follows pushes as a directory
    /// does: only its existence, and that it is a subvolume, is checked once it exists.
    case subvolume
    /// A regular file with exactly this text.
    case file(String)
  }

  /// Absolute path.
  public let path: String
  /// Directory or file, and the file's content.
  public let kind: Kind
  /// Permission bits, including the sticky bit.
  public let mode: UInt32
  /// Owner and group.
  public let owner: SetupOwner

  /// Creates a step.
  public init(path: String, kind: Kind, mode: UInt32, owner: SetupOwner) {
    self.path = path
    self.kind = kind
    self.mode = mode
    self.owner = owner
  }

  /// The file's bytes; empty for a directory.
  public var contents: [UInt8] {
    if case .file(let text) = kind { return Array(text.utf8) }
    return []
  }

  /// `directory, mode 0750, backup:backup`, for the line that reports the step.
  public var summary: String {
    let what =
      switch kind {
      case .directory: "directory"
      case .subvolume: "btrfs subvolume"
      case .file: "file"
      }
    return "\(what), mode \(SetupStep.octal(mode)), \(owner)"
  }

  /// `mode` as four octal digits, as chmod(1) takes it.
  public static func octal(_ mode: UInt32) -> String {
    let digits = String(mode & 0o7777, radix: 8)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
  }
}

/// Everything `pushgate init` (or `authorize`, for an area) makes, in the order it makes it:
/// parents before children, directories before the files that describe them.
public struct SetupPlan: Equatable, Sendable {
  /// The steps, in order.
  public private(set) var steps: [SetupStep]

  /// Plans the backup root for a validated request.
  public init(_ request: SetupRequest) {
    let root = request.root
    let (accountOwner, rootOwner, separated) = Self.owners(request.account, request.runsAsRoot)
    let configOwner = request.runsAsRoot ? SetupOwner.root : accountOwner
    steps = [
      SetupStep(
        path: root, kind: .directory(followsPushes: false), mode: separated ? 0o1770 : 0o750,
        owner: rootOwner),
      SetupStep(
        path: request.settings.keysDirectory, kind: .directory(followsPushes: false),
        mode: 0o750, owner: separated ? rootOwner : accountOwner),
      SetupStep(
        path: request.settings.rsyncdConf, kind: .file(request.rsyncdConfText), mode: 0o644,
        owner: configOwner),
      SetupStep(
        path: root + "/pushgate.conf", kind: .file(request.pushgateConfText), mode: 0o644,
        owner: configOwner),
    ]
  }

  /// Plans one key's area, as `pushgate authorize` makes it: ROOT/keys/LABEL with incoming/
  /// (a subvolume with btrfs) and snapshots/ (the account's data), state/ (the account's, 0700)
  /// and, with rsnapshot, rsnapshot.conf.
  ///
  /// Run as root for another account, ROOT/keys and ROOT/keys/LABEL are root's, readable by
  /// the account's group, and rsnapshot.conf is root's: the account can neither move its
  /// area's parts nor change how its snapshots are taken.
  public init(area: Area, settings: Settings, account: SetupAccount, runsAsRoot: Bool) {
    let (accountOwner, rootOwner, _) = Self.owners(account, runsAsRoot)
    steps = [
      SetupStep(
        path: settings.keysDirectory, kind: .directory(followsPushes: false), mode: 0o750,
        owner: rootOwner),
      SetupStep(
        path: area.directory, kind: .directory(followsPushes: false), mode: 0o750,
        owner: rootOwner),
      SetupStep(
        path: area.incoming,
        kind: settings.snapshots == .btrfs ? .subvolume : .directory(followsPushes: true),
        mode: 0o750, owner: accountOwner),
      SetupStep(
        path: area.snapshots, kind: .directory(followsPushes: false), mode: 0o750,
        owner: accountOwner),
      SetupStep(
        path: area.state, kind: .directory(followsPushes: false), mode: 0o700,
        owner: accountOwner),
    ]
    // btrfs snapshots need no configuration: the gate makes them itself.
    guard settings.snapshots == .rsnapshot else { return }
    steps.append(
      SetupStep(
        path: area.rsnapshotConf, kind: .file(settings.rsnapshotConfText(area)), mode: 0o644,
        owner: runsAsRoot ? SetupOwner.root : accountOwner))
  }

  /// The account's owner, and the owner of what the account must not rename (the root, keys/
  /// and each area): root with the account's group when root sets up another account
  /// (`separated`), else the account itself.
  private static func owners(_ account: SetupAccount, _ runsAsRoot: Bool)
    -> (account: SetupOwner, rootSide: SetupOwner, separated: Bool)
  {
    let accountOwner = SetupOwner(
      uid: account.uid, gid: account.gid, description: "\(account.name):\(account.group)")
    let separated = runsAsRoot && !account.isRoot
    let rootSide =
      separated
      ? SetupOwner(uid: 0, gid: account.gid, description: "root:\(account.group)")
      : accountOwner
    return (accountOwner, rootSide, separated)
  }
}
