// What `pushgate doctor` gathered from the system: plain data, so every check is pure.
import PushgateCore

/// What lstat(2) said about a path.
public struct DoctorFile: Equatable, Sendable {
  /// The kind of file.
  public enum Kind: Equatable, Sendable {
    /// lstat(2) found nothing (ENOENT or ENOTDIR).
    case missing
    /// A symbolic link (never followed).
    case symlink
    /// A regular file.
    case regular
    /// A directory.
    case directory
    /// A device, socket or pipe.
    case other
    /// lstat failed for another reason than ENOENT (text of the error).
    case unknown(String)
  }

  /// The kind of file.
  public var kind: Kind
  /// Owner uid.
  public var uid: UInt32 = 0
  /// Group gid.
  public var gid: UInt32 = 0
  /// Permission bits (`st_mode & 0o7777`).
  public var mode: UInt32 = 0
  /// The owner's name, or the uid as text.
  public var owner: String = "root"

  /// Creates file facts.
  public init(
    _ kind: Kind, uid: UInt32 = 0, gid: UInt32 = 0, mode: UInt32 = 0, owner: String = "root"
  ) {
    self.kind = kind
    self.uid = uid
    self.gid = gid
    self.mode = mode
    self.owner = owner
  }

  /// A path lstat(2) did not find.
  public static let missing = DoctorFile(.missing)

  /// Whether `account` may write it (a directory: create files in it): root always may.
  public func isWritable(by account: DoctorAccount) -> Bool {
    if account.uid == 0 { return true }
    let bits: UInt32 = kind == .directory ? 0o3 : 0o2  // a directory also needs search
    let shift: UInt32 = uid == account.uid ? 6 : account.groups.contains(gid) ? 3 : 0
    return (mode >> shift) & bits == bits
  }

  /// Whether `account` may enter it (search permission on a directory): root always may.
  public func isSearchable(by account: DoctorAccount) -> Bool {
    if account.uid == 0 { return true }
    let shift: UInt32 = uid == account.uid ? 6 : account.groups.contains(gid) ? 3 : 0
    return kind == .directory && (mode >> shift) & 0o1 != 0
  }

  /// Whether the owner may run it (or anyone, for a root-owned program run by root).
  public var isExecutable: Bool { kind == .regular && mode & 0o111 != 0 }

  /// `0644`-style mode.
  public var octalMode: String {
    let digits = String(mode, radix: 8)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
  }
}

/// The backup account, from the password and group databases.
public struct DoctorAccount: Equatable, Sendable {
  /// Login name.
  public var name: String
  /// uid.
  public var uid: UInt32
  /// Primary gid.
  public var gid: UInt32
  /// Every group it is in, the primary one included.
  public var groups: [UInt32]
  /// Home directory.
  public var home: String
  /// Login shell.
  public var shell: String

  /// Creates account facts.
  public init(name: String, uid: UInt32, gid: UInt32, groups: [UInt32], home: String, shell: String)
  {
    self.name = name
    self.uid = uid
    self.gid = gid
    self.groups = groups
    self.home = home
    self.shell = shell
  }
}

/// How running a program went.
public enum DoctorRun: Equatable, Sendable {
  /// It exited (or was killed: 128+N) with this status and output.
  case ran(status: Int32, stdout: String, stderr: String)
  /// It did not finish within the time allowed and was killed.
  case timedOut(seconds: Int)
  /// It was not run: the reason.
  case notRun(String)
  /// It was not run on purpose: doctor runs as root and the program, or the file naming it,
  /// is not root's alone (what was found, and the fix).
  case withheld(String, fix: String)
}

/// Whether the settings file could be read and parsed.
public enum DoctorSettings: Equatable, Sendable {
  /// Parsed.
  case parsed(Settings)
  /// Read, but the parser rejected it (its message).
  case invalid(String)
  /// Could not be read (why).
  case unreadable(String)
}

/// Everything the checks look at.
public struct DoctorFacts: Equatable, Sendable {
  /// The settings file's path.
  public var configPath: String
  /// Its parse.
  public var settings: DoctorSettings
  /// The backup account, or `nil` if it does not exist (with the name asked for).
  public var account: DoctorAccount?
  /// The account name asked for (or found), for messages.
  public var accountName: String
  /// The user doctor runs as: its uid.
  public var userId: UInt32
  /// The user doctor runs as: its name, for messages.
  public var userName: String
  /// lstat(2) of every path a check needs (see ``DoctorChecks/pathsToInspect(_:)``).
  public var files: [String: DoctorFile] = [:]
  /// rsyncd.conf's text, or why it could not be read.
  public var rsyncdConf: Result<String, DoctorReadError> = .failure(DoctorReadError("not read"))
  /// The names in `ROOT/keys` (readdir(3), without `.` and `..`), sorted as bytes.
  public var keysEntries: Result<[String], DoctorReadError> = .failure(DoctorReadError("not read"))
  /// Each area's rsnapshot.conf text, by label.
  public var rsnapshotConfs: [String: Result<String, DoctorReadError>] = [:]
  /// Each area's `rsnapshot -c AREA/rsnapshot.conf configtest`, by label; only for the areas
  /// ``DoctorChecks/mayRunConfigtest(_:_:_:)`` allows.
  public var configtests: [String: DoctorRun] = [:]
  /// authorized_keys' path.
  public var authorizedKeysPath: String = ""
  /// authorized_keys' text.
  public var authorizedKeys: Result<String, DoctorReadError> = .failure(DoctorReadError("not read"))
  /// `rsync --version`.
  public var rsyncVersion: DoctorRun = .notRun("not run")
  /// `rsnapshot version`.
  public var rsnapshotVersion: DoctorRun = .notRun("not run")
  /// The login shell run as sshd would run it: `SHELL -c true` as the account.
  public var shellRun: DoctorRun = .notRun("not run")
  /// sshd's binary path.
  public var sshdPath: String = "/usr/sbin/sshd"
  /// `sshd -T` output.
  public var sshdRun: DoctorRun = .notRun("not run")
  /// The sshd_config given with `--sshd-config` (`sshd -T -f FILE`); `nil` for sshd's own.
  public var sshdConfig: String? = nil
  /// Whether the account's password is locked (`!` first in /etc/shadow); `nil` when unknown.
  public var passwordLocked: Bool? = nil
  /// Whether /etc/passwd has a line with the account's uid, where pushgate-serve (which reads
  /// that file alone) finds it; `nil` when not looked up.
  public var accountIsLocal: Bool? = nil
  /// The accounts other than the backup account in ROOT's group (as a member or by their
  /// primary group), sorted; `nil` when not looked up.
  public var rootGroupOthers: [String]? = nil
  /// The name of ROOT's group, or its number.
  public var rootGroupName = ""
  /// The named users and groups ROOT's ACL lets write in it, as `setfacl` names them
  /// (`u:nagios`, `g:staff`); empty with no ACL, `nil` when not read.
  public var rootACLWriters: [String]? = nil
  /// logrotate's configuration, the main file first and then what it includes; `nil` when
  /// it could not be read (no logrotate installed).
  public var logrotateFiles: [LogrotateFile]? = nil
  /// With `snapshots = btrfs`: the file system, its mount and the areas' subvolumes; `nil`
  /// when not gathered.
  public var btrfs: DoctorBtrfs? = nil

  /// Facts with nothing gathered yet beyond the settings.
  public init(
    configPath: String, settings: DoctorSettings, account: DoctorAccount?, accountName: String,
    userId: UInt32, userName: String
  ) {
    self.configPath = configPath
    self.settings = settings
    self.account = account
    self.accountName = accountName
    self.userId = userId
    self.userName = userName
  }

  /// Whether doctor runs as root.
  public var runsAsRoot: Bool { userId == 0 }

  /// Whether the root directory of `settings` is root's (`pushgate init` ran as root), so
  /// the configuration in it must be root's too.
  public func rootIsRoots(_ settings: Settings) -> Bool {
    let root = file(settings.root)
    return root.kind == .directory && root.uid == 0
  }

  /// lstat facts for `path` (missing when not gathered).
  public func file(_ path: String) -> DoctorFile { files[path] ?? .missing }
}

extension DoctorFacts {
  /// Why the account's checks were skipped: its name is not in the password database, or
  /// doctor could not tell the account at all.
  public var unknownAccount: String {
    accountName.isEmpty ? "the backup account is not known" : "unknown account '\(accountName)'"
  }
}

/// Why a file's text could not be read.
public struct DoctorReadError: Error, Equatable, Sendable {
  /// One line, such as `No such file or directory`.
  public let reason: String
  /// Whether the file does not exist (ENOENT), as opposed to exists and was not read.
  public let isMissing: Bool
  /// Creates the error.
  public init(_ reason: String, isMissing: Bool = false) {
    self.reason = reason
    self.isMissing = isMissing
  }
}
