// What `pushgate init` tells the administrator to do next: the authorized_keys line, the
// client's rsync command and the cron lines for the levels pushes do not trigger.

/// The text printed after a backup root is set up.
public struct SetupInstructions: Equatable, Sendable {
  /// The line for the account's `~/.ssh/authorized_keys`, one per client key.
  public let authorizedKeysLine: String
  /// The command a client runs to push `SRC/`.
  public let clientCommand: String
  /// cron.d lines (with a user field) for every level above the interval.
  public let cronLines: [String]
  /// The note about the account's login shell.
  public let shellNote: String
  /// The account whose authorized_keys gets the line.
  public let account: String

  /// Schedules for the usual higher levels: the higher a level, the rarer it runs.
  public static let schedules = [
    "hourly": "0 * * * *", "daily": "0 3 * * *", "weekly": "30 3 * * 1",
    "monthly": "0 4 1 * *", "yearly": "30 4 1 1 *",
  ]

  /// The login shell sshd must run the forced command with.
  public static let shell = "/bin/sh"

  /// Builds the instructions.
  ///
  /// - Parameters:
  ///   - serve: Absolute path of pushgate-serve, as it goes into `command="..."`.
  ///   - key: The label the audit log gives this client key.
  ///   - host: The server's name as clients reach it.
  ///   - shell: The account's login shell from the password database, if known.
  public init(request: SetupRequest, serve: String, key: String, host: String, shell: String?)
    throws(SetupError)
  {
    guard PathRules.isSafeAbsolute(serve) else {
      throw SetupError(
        "pushgate-serve path '\(SettingsParser.visible(serve))' is not a safe absolute path; "
          + "give --serve PATH")
    }
    guard Gate.isKeyLabel(key) else {
      throw SetupError(
        "key label '\(SettingsParser.visible(key))' must be 1 to 64 letters, digits or . _ - @ +")
    }
    guard SetupInstructions.isHostName(host) else {
      throw SetupError(
        "host '\(SettingsParser.visible(host))' must be a host name or address of letters, "
          + "digits, . and -; give --host NAME")
    }
    let root = request.root
    let account = request.account.name
    self.account = account
    authorizedKeysLine =
      "restrict,command=\"\(serve) --config \(root)/pushgate.conf --key \(key)\" "
      + "<paste the client's public key here>"
    clientCommand =
      "rsync -a -e ssh --rsync-path='cd \(root) && rsync' SRC/ \(account)@\(host)::push"
    cronLines = request.levels.dropFirst().map { level in
      let command = request.snapshotCommand(level.name).joined(separator: " ")
      guard let schedule = SetupInstructions.schedules[level.name] else {
        return "# choose a schedule  \(account)  \(command)"
      }
      return "\(schedule)  \(account)  \(command)"
    }
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
    var lines = [
      "", "authorized_keys line for '\(account)' (one per client key):",
      authorizedKeysLine, "", "client command:", clientCommand,
    ]
    if !cronLines.isEmpty {
      lines += ["", "cron lines for the higher rsnapshot levels (/etc/cron.d/pushgate):"]
      lines += cronLines
    }
    lines += ["", "note: " + shellNote]
    return lines
  }
}
