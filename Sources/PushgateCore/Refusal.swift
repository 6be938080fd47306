// Reasons to turn a client away: expected outcomes, not bugs.

/// A reason to turn a client away.
public enum Refusal: Error, Equatable, Sendable {
  /// `SSH_ORIGINAL_COMMAND` is unset or empty and so is `SSH_CONNECTION`: not run by sshd.
  case notViaSSH
  /// sshd ran us (`SSH_CONNECTION` is set) without a command: an interactive login, or
  /// `ssh host ''`, which sshd passes the same way.
  case interactive
  /// The client asked for anything other than the allowed command.
  case notAllowed
  /// The command is longer than ``AllowedCommand/maximumLength``.
  case tooLong(byteCount: Int)
  /// The key has no area (`pushgate authorize` creates it).
  case noArea
  /// Another session of the same key holds the key's area.
  case keyBusy
  /// Every connection slot of the root is taken.
  case busy(limit: Int)
  /// A snapshot (or `pushgate rotate`) holds the key's area.
  case snapshotRunning

  /// The stable code written to the audit log and listed in the manual.
  public var code: String {
    switch self {
    case .notViaSSH: "not-via-ssh"
    case .interactive: "interactive"
    case .notAllowed: "not-allowed"
    case .tooLong: "too-long"
    case .noArea: "no-area"
    case .keyBusy: "key-busy"
    case .busy: "busy"
    case .snapshotRunning: "snapshot-running"
    }
  }

  /// The exit status `pushgate-serve` ends with; see ``ExitStatus``.
  public var exitStatus: Int32 {
    switch self {
    case .busy, .keyBusy, .snapshotRunning: ExitStatus.busy
    case .notViaSSH, .interactive, .notAllowed, .tooLong, .noArea: ExitStatus.refused
    }
  }

  /// The one line the client sees.
  ///
  /// It never repeats what the client sent.
  public var message: String {
    switch self {
    case .notViaSSH:
      "refused: this key only runs backups (rsync daemon mode); no command was given"
    case .interactive:
      "refused: this key only runs backups (rsync daemon mode); interactive logins are not allowed"
    case .notAllowed:
      "refused: command not allowed for this key; it only runs backups (rsync daemon mode)"
    case .tooLong(let count):
      "refused: command is \(count) bytes; the limit is \(AllowedCommand.maximumLength)"
    case .noArea:
      "no backup area for this key -- ask the administrator to run 'pushgate authorize'"
    case .keyBusy:
      "another session of this key is running -- try again later"
    case .busy(let limit):
      "max connections (\(limit)) reached -- try again later"
    case .snapshotRunning:
      "a snapshot of this key's backups is running -- try again later"
    }
  }
}
