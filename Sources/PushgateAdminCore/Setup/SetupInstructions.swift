// What `pushgate init` tells the administrator to do next: how to authorize a client key (which
// creates its area), the client's rsync command, the cron lines of `pushgate rotate` and the
// audit log's logrotate stanza.
import PushgateCore

/// The text printed after a backup root is set up.
public struct SetupInstructions: Equatable, Sendable {
  /// The command that authorizes a client key and creates its area, one per client.
  public let authorizeCommand: String
  /// The command a client runs to push `SRC/`.
  public let clientCommand: String
  /// cron.d lines (with a user field) running `pushgate rotate`: as the account for every
  /// rsnapshot level, or as root once an hour to prune btrfs snapshots.
  public let cronLines: [String]
  /// The note about the account's login shell.
  public let shellNote: String
  /// The account whose authorized_keys gets the line.
  public let account: String
  /// The snapshot engine, which decides who runs rotate and how.
  public let snapshots: SnapshotEngine
  /// The cron.d and logrotate.d files in /etc, whose lines are printed.
  public let files: SystemFiles

  /// Schedules for the usual levels: the higher a level, the rarer it runs.
  public static let schedules = [
    "hourly": "0 * * * *", "daily": "0 3 * * *", "weekly": "30 3 * * 1",
    "monthly": "0 4 1 * *", "yearly": "30 4 1 1 *",
  ]

  /// The login shell sshd must run the forced command with.
  public static let shell = "/bin/sh"

  /// Builds the instructions.
  ///
  /// - Parameters:
  ///   - admin: Absolute path of the `pushgate` tool, as cron runs it.
  ///   - host: The server's name as clients reach it.
  ///   - shell: The account's login shell from the password database, if known.
  public init(request: SetupRequest, admin: String, host: String, shell: String?)
    throws(SetupError)
  {
    guard PathRules.isSafeAbsolute(admin) else {
      throw SetupError(
        "pushgate's own path '\(SettingsParser.visible(admin))' is not a safe absolute path; "
          + "install it at a path of letters, digits and / . _ - + , @ :")
    }
    guard SetupInstructions.isHostName(host) else {
      throw SetupError(
        "host '\(SettingsParser.visible(host))' must be a host name or address of letters, "
          + "digits, . and -; give --host NAME")
    }
    let root = request.root
    let account = request.account.name
    let config = root + "/pushgate.conf"
    self.account = account
    let accountOption = request.runsAsRoot ? " --account \(account)" : ""
    authorizeCommand =
      "\(admin) authorize --config \(config)\(accountOption) --key LABEL CLIENT-KEY.pub"
    clientCommand =
      "rsync -a -e ssh --rsync-path='cd \(root) && rsync' SRC/ \(account)@\(host)::push"
    snapshots = request.snapshots
    // btrfs: root prunes what 'preserve' no longer keeps; nothing else runs from cron.
    cronLines =
      request.snapshots == .btrfs
      ? ["17 * * * *  root  \(admin) rotate --config \(config)"]
      : request.levels.map { level in
        let command = "\(admin) rotate \(level.name) --config \(config)"
        guard let schedule = SetupInstructions.schedules[level.name] else {
          return "# choose a schedule  \(account)  \(command)"
        }
        return "\(schedule)  \(account)  \(command)"
      }
    files = SystemFiles(request: request, cronLines: cronLines)
    let note =
      "the login shell of '\(account)' must be \(SetupInstructions.shell): sshd runs the forced "
      + "command through it; nologin runs nothing and bash may print from .bashrc into the "
      + "rsync protocol"
    switch shell {
    case .some(let shell) where shell != SetupInstructions.shell && request.account.isRoot:
      shellNote =
        note + "; it is '\(SettingsParser.visible(shell))': a separate backup account "
        + "with \(SetupInstructions.shell) is safer than root"
    case .some(let shell) where shell != SetupInstructions.shell:
      shellNote =
        note + "; it is '\(SettingsParser.visible(shell))': run 'usermod -s "
        + "\(SetupInstructions.shell) \(account)'"
    default:
      shellNote = note
    }
  }

  /// Whether `host` can go into `user@host::push` unquoted: 1–253 letters, digits, `.`, `-`.
  public static func isHostName(_ host: String) -> Bool {
    let bytes = Array(host.utf8)
    guard let first = bytes.first, bytes.count <= 253, first != UInt8(ascii: "-") else {
      return false
    }
    return bytes.allSatisfy {
      PathRules.isSafe($0) && !"/_+,@:".utf8.contains($0)
    }
  }

  /// The lines to print, with a heading above each part.
  public var lines: [String] {
    [
      "", "each client key gets its own area and its authorized_keys line with:",
      authorizeCommand, "", "client command:", clientCommand, "",
    ]
      + (snapshots == .btrfs
        ? [
          "cron line (\(files.cronPath)): root deletes the snapshots that 'preserve' no",
          "longer keeps; nothing else ever deletes one:",
        ]
        : [
          "cron lines for every level (\(files.cronPath)); each takes the area's lock, so",
          "it never runs while that key pushes or snapshots:",
        ]) + cronLines
      + [
        "", "logrotate stanza for the audit log (\(files.logrotatePath)); the new log must be",
        "the account's (create), and never copied and truncated:",
      ] + files.logrotateLines
      + [
        "", "'pushgate init --system-files', as root, writes both files", "", "note: " + shellNote,
      ]
  }
}
