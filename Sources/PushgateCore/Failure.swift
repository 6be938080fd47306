// Failures: the server could not do its job. They are logged and shown to the client briefly.

/// Something on the server went wrong; not the client's fault.
public enum Failure: Error, Equatable, Sendable {
  /// The settings file is missing, unsafe or invalid; `detail` names file, line and fix.
  case settings(detail: String)
  /// The audit log cannot be opened or written.
  case auditLog(path: String, detail: String)
  /// The lock file cannot be opened or locked.
  case lockFile(path: String, detail: String)
  /// A program could not be started.
  case spawn(program: String, detail: String)
  /// The session's evidence file cannot be created.
  case evidence(path: String, detail: String)
  /// Our own executable's path cannot be used in an rsync hook command.
  case selfPath(detail: String)
  /// The forced command gives no `--key`, so the session has no area.
  case keyMissing
  /// rsyncd.conf would let a session escape its area or hide what rsync did.
  case rsyncdConf(detail: String)
  /// The key's area (its lock or state files) cannot be used.
  case area(path: String, detail: String)
  /// SIGTERM, SIGHUP or SIGINT reached the gate while it waited for `waitingFor` (`area`,
  /// `slot`), after `waitedMilliseconds`.
  case interrupted(signal: Int32, waitingFor: String, waitedMilliseconds: Int)
  /// The forced command's arguments are not ones pushgate-serve takes.
  case usage(detail: String)

  /// The stable code written to the audit log and listed in the manual.
  public var code: String {
    switch self {
    case .settings: "settings"
    case .auditLog: "audit-log"
    case .lockFile: "lock-file"
    case .spawn: "spawn"
    case .evidence: "evidence"
    case .selfPath: "self-path"
    case .keyMissing: "key-missing"
    case .rsyncdConf: "rsyncd-conf"
    case .area: "area"
    case .interrupted: "interrupted"
    case .usage: "usage"
    }
  }

  /// The exit status `pushgate-serve` ends with.
  public var exitStatus: Int32 {
    switch self {
    case .settings, .keyMissing, .rsyncdConf: ExitStatus.settings
    case .auditLog, .lockFile, .spawn, .evidence, .selfPath, .area: ExitStatus.osError
    case .interrupted(let signal, _, _): ExitStatus.signalBase + signal
    case .usage: ExitStatus.usage
    }
  }

  /// The one line the client sees: what failed, never paths or settings.
  public var clientMessage: String {
    switch self {
    case .settings: "server error: backup settings are invalid; the administrator must fix them"
    case .auditLog: "server error: cannot write the audit log; refusing to serve"
    case .lockFile: "server error: cannot use the lock file"
    case .spawn: "server error: cannot start a program"
    case .evidence: "server error: cannot record the session"
    case .selfPath: "server error: pushgate-serve is installed at an unusable path"
    case .keyMissing: "server error: this key has no --key label; the administrator must fix it"
    case .rsyncdConf:
      "server error: the rsync daemon's settings are unsafe; the administrator must fix them"
    case .area: "server error: cannot use this key's backup area"
    case .interrupted: "server: the session was stopped by a signal"
    case .usage: "server error: the forced command is wrong; the administrator must fix it"
    }
  }

  /// The full one-line message for the administrator and the log.
  public var detail: String {
    switch self {
    case .settings(let detail): detail
    case .auditLog(let path, let detail): "cannot write audit log '\(path)': \(detail)"
    case .lockFile(let path, let detail): "cannot use lock file '\(path)': \(detail)"
    case .spawn(let program, let detail): "cannot start '\(program)': \(detail)"
    case .evidence(let path, let detail): "cannot create evidence file '\(path)': \(detail)"
    case .selfPath(let detail): detail
    case .keyMissing:
      "the forced command gives no --key LABEL; every key needs its label and area "
        + "(pushgate authorize writes both)"
    case .rsyncdConf(let detail): detail
    case .area(let path, let detail): "cannot use area '\(path)': \(detail)"
    case .interrupted(let signal, let waitingFor, _):
      "\(SignalName.of(signal)) while waiting for the \(waitingFor)"
    case .usage(let detail): detail
    }
  }
}
